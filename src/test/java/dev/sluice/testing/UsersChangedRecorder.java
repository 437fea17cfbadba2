package dev.sluice.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.sluice.rollup.UsersChanged;

/** Records the users the flush reports as changed. */
@Singleton
public class UsersChangedRecorder {

    private final Set<String> users = ConcurrentHashMap.newKeySet();

    void on(@Observes UsersChanged event) {
        users.addAll(event.userIds());
    }

    public Set<String> users() {
        return users;
    }

    public void clear() {
        users.clear();
    }
}
