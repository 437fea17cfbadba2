package dev.sluice.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.vertx.mutiny.redis.client.Response;

/**
 * The stats entries in Redis. Each entry is stored as {@code <version>\n<json>}, where the version is the value of the
 * entry's version key when the stats were read from MongoDB. Invalidating increments the version (and drops the
 * entry), so an entry computed from data that changed while it was being computed never counts as a hit: a reader
 * compares both in one {@code MGET}.
 *
 * <p>Every Redis failure becomes a {@link CacheUnavailableException}; the caller decides what to do without the cache.
 */
@ApplicationScoped
public class StatsCache {

    /** An entry as read: the JSON when it is present and current, else null; and the version seen. */
    public record Lookup(String json, String version) {
        public boolean hit() {
            return json != null;
        }
    }

    private static final String NO_VERSION = "0";
    /** KEYS: entries. Returns the positions (0-based) of those that exist. */
    private static final String PRESENT = """
            local present = {}
            for i = 1, #KEYS do
              if redis.call('EXISTS', KEYS[i]) == 1 then
                table.insert(present, i - 1)
              end
            end
            return present
            """;
    /**
     * KEYS: the version keys, then the entries, in the same order; ARGV: the entries' time to live in ms, the version
     * keys' time to live in ms, then one body per entry ('' for none). Increments each version and, in the same
     * step, writes the entry with its new body under the new version, or deletes it when it has none.
     */
    private static final String INVALIDATE = """
            local n = #KEYS / 2
            for i = 1, n do
              local version = redis.call('INCR', KEYS[i])
              redis.call('PEXPIRE', KEYS[i], ARGV[2])
              local body = ARGV[2 + i]
              if body == '' then
                redis.call('DEL', KEYS[n + i])
              else
                redis.call('SET', KEYS[n + i], version .. '\\n' .. body, 'PX', ARGV[1])
              end
            end
            return n
            """;

    private final RedisDataSource redis;
    private final ValueCommands<String, String> values;

    public StatsCache(RedisDataSource redis) {
        this.redis = redis;
        this.values = redis.value(String.class);
    }

    /** Reads an entry and, when it has one, its version key, in one round trip. */
    public Lookup get(String key, String versionKey) {
        return call(() -> {
            String version = NO_VERSION;
            String entry;
            if (versionKey == null) {
                entry = values.get(key);
            } else {
                var got = values.mget(key, versionKey);
                entry = got.get(key);
                version = got.get(versionKey) == null ? NO_VERSION : got.get(versionKey);
            }
            if (entry == null) {
                return new Lookup(null, version);
            }
            int newline = entry.indexOf('\n');
            boolean current = newline > 0 && entry.substring(0, newline).equals(version);
            return new Lookup(current ? entry.substring(newline + 1) : null, version);
        });
    }

    public void put(String key, String version, String json, Duration ttl) {
        call(() -> {
            values.set(key, version + "\n" + json, new SetArgs().px(ttl));
            return null;
        });
    }

    /**
     * Takes the short lock of a key ({@code SET NX PX}) so that one caller recomputes a missing entry.
     *
     * @return the lock's token when taken, null when another caller holds it
     */
    public String lock(String key, Duration timeout) {
        String token = UUID.randomUUID().toString();
        Response response = call(() -> redis.execute("SET", key + ":lock", token, "NX", "PX",
                Long.toString(timeout.toMillis())));
        return response == null ? null : token;
    }

    /** Releases a lock if it is still the caller's (a compare-and-delete script). */
    public void unlock(String key, String token) {
        call(() -> redis.execute("EVAL",
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
                "1", key + ":lock", token));
    }

    /** The positions of the entries among {@code keys} that exist now. */
    public List<Integer> present(List<String> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        List<String> args = new ArrayList<>(keys.size() + 2);
        args.add(PRESENT);
        args.add(Integer.toString(keys.size()));
        args.addAll(keys);
        Response present = call(() -> redis.execute("EVAL", args.toArray(String[]::new)));
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; present != null && i < present.size(); i++) {
            positions.add(present.get(i).toInteger());
        }
        return positions;
    }

    /**
     * Makes entries stale in one step: increments each version key (kept twice as long as an entry lives, so a
     * version never expires before the entries that carry it) and writes the entry anew under its new version with
     * the given body, or deletes it where the body is null. Readers never see a gap between the two.
     *
     * @param keys the entries
     * @param versionKeys their version keys, in the same order
     * @param bodies the fresh JSON of each entry, or null to drop it
     */
    public void invalidate(List<String> keys, List<String> versionKeys, List<String> bodies, Duration entryTtl) {
        if (keys.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(3 * keys.size() + 4);
        args.add(INVALIDATE);
        args.add(Integer.toString(keys.size() + versionKeys.size()));
        args.addAll(versionKeys);
        args.addAll(keys);
        args.add(Long.toString(entryTtl.toMillis()));
        args.add(Long.toString(entryTtl.multipliedBy(2).toMillis()));
        bodies.forEach(body -> args.add(body == null ? "" : body));
        call(() -> redis.execute("EVAL", args.toArray(String[]::new)));
    }

    /** Whether Redis answers now (the readiness check). */
    public void ping() {
        call(() -> redis.execute("PING"));
    }

    private static <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (RuntimeException e) {
            throw new CacheUnavailableException("Redis unavailable: " + e.getMessage(), e);
        }
    }

}
