package dev.sluice.stats;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** How often an analytics event name occurred: a track call's {@code event}, or the type of another call. */
@RegisterForReflection
public record EventCount(String event, long count) {
}
