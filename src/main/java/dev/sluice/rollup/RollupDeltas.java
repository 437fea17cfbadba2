package dev.sluice.rollup;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bson.Document;

import dev.sluice.event.EventKind;
import dev.sluice.store.EventDocuments;

/**
 * What a set of stored events adds to the rollups, one update per rollup document:
 *
 * <ul>
 * <li>{@code user_daily}, {@code _id: "yyyy-MM-dd:" + userId} (the fixed-length day first keeps it unambiguous):
 * {@code totals} and {@code hours.HH} counters,
 * {@code firstSeen}, {@code lastSeen};</li>
 * <li>{@code user_totals}, {@code _id: userId}: {@code totals}, {@code models.<model>} counters,
 * {@code events.<name>} counts, {@code firstSeen}, {@code lastSeen};</li>
 * <li>{@code platform_daily}, {@code _id: "yyyy-MM-dd"}: {@code totals} and {@code models.<model>} counters.</li>
 * </ul>
 *
 * Days and hours are UTC and come from the event's {@code timestamp}. An analytics event belongs to its
 * {@code userId}, or its {@code anonymousId} when it has none; its name is the {@code event} of a track call and the
 * type of any other call ({@code page}, {@code identify}, ...). Model and event names are escaped like every stored
 * field name.
 */
public final class RollupDeltas {

    /** The fields of a raw event a fold reads. */
    public static final List<String> FIELDS = List.of("userId", "anonymousId", "timestamp", "receivedAt", "model",
            Counters.INPUT_TOKENS, Counters.OUTPUT_TOKENS, Counters.CACHED_TOKENS, "costUsd", "type", "event");

    /**
     * Counters of one block of a rollup document ({@code totals}, {@code hours.HH}, {@code models.<model>}, an
     * {@code events.<name>}), by position in its field names: a fold adds thousands of events to a few blocks, so
     * each event finds its block once and adds to plain numbers.
     */
    static final class Block {
        final String[] names;
        final long[] values;
        /** Bit c is set once counter c was added to, even by 0: only those are in the update. */
        int touched;

        Block(String[] names) {
            this.names = names;
            this.values = new long[names.length];
        }

        void add(int counter, long value) {
            values[counter] += value;
            touched |= 1 << counter;
        }

        /**
         * Adds the counters touched to {@code increments}, summed with any of the same name: two models or event
         * names can escape to the same field name ({@code a.b} and {@code a．b}).
         */
        void into(Map<String, Long> increments) {
            for (int c = 0; c < names.length; c++) {
                if ((touched & 1 << c) != 0) {
                    increments.merge(names[c], values[c], Long::sum);
                }
            }
        }
    }

    /** The update of one rollup document. */
    public static final class Delta {
        final Block totals = new Block(TOTALS);
        /** By hour of the day; null for an hour without events. */
        final Block[] hours = new Block[24];
        /** {@code models.<model>} and {@code events.<name>} blocks, by their field names (one array per name). */
        final Map<String[], Block> named = new LinkedHashMap<>();
        final Document onInsert = new Document();
        Date first;
        Date last;

        Block hour(int hour) {
            Block block = hours[hour];
            if (block == null) {
                block = hours[hour] = new Block(HOURLY[hour]);
            }
            return block;
        }

        Block named(String[] names) {
            return named.computeIfAbsent(names, Block::new);
        }

        void seen(Date at) {
            if (first == null || at.before(first)) {
                first = at;
            }
            if (last == null || at.after(last)) {
                last = at;
            }
        }

        /** Each counter's increment, by its dotted field name. */
        public Map<String, Long> increments() {
            Map<String, Long> increments = new LinkedHashMap<>();
            totals.into(increments);
            for (Block hour : hours) {
                if (hour != null) {
                    hour.into(increments);
                }
            }
            named.values().forEach(block -> block.into(increments));
            return increments;
        }

        /** The update, recording the fold in {@code folds} (the last {@code remembered} of them). */
        Document update(Object fold, int remembered, boolean withSeen) {
            Document update = new Document("$inc", new Document(increments()))
                    .append("$push", new Document("folds", new Document("$each", List.of(fold))
                            .append("$slice", -remembered)));
            if (!onInsert.isEmpty()) {
                update.append("$setOnInsert", onInsert);
            }
            if (withSeen && first != null) {
                update.append("$min", new Document("firstSeen", first))
                        .append("$max", new Document("lastSeen", last));
            }
            return update;
        }
    }

    final Map<String, Delta> userDaily = new LinkedHashMap<>();
    final Map<String, Delta> userTotals = new LinkedHashMap<>();
    final Map<String, Delta> platformDaily = new LinkedHashMap<>();
    private final Set<String> users = new HashSet<>();

    private static final long DAY_MILLIS = 86_400_000L;
    private static final String[] TOTALS = fields("totals.", Counters.ALL);
    /** {@code hours.HH.<counter>} by hour and counter. */
    private static final String[][] HOURLY = new String[24][];

    static {
        for (int h = 0; h < 24; h++) {
            HOURLY[h] = fields("hours.%02d.".formatted(h), Counters.ALL);
        }
    }

    /** Positions of the counters in {@link Counters#ALL}. */
    private static final int REQUESTS = 0, INPUT = 1, OUTPUT = 2, CACHED = 3, COST = 4, ANALYTICS = 5;

    /** {@code models.<model>.<counter>} by model, each made once (the key of the model's blocks). */
    private final Map<Object, String[]> modelFields = new HashMap<>();
    /** {@code events.<name>} by analytics event name, each made once (the key of the name's blocks). */
    private final Map<String, String[]> eventFields = new HashMap<>();
    private long lastEpochDay = Long.MIN_VALUE;
    private String lastDay;

    /** Counts one stored event (a raw document with at least {@link #FIELDS}). */
    public void add(EventKind kind, Document event) {
        String user = user(event);
        if (user == null) {
            return;
        }
        Date at = at(event);
        long millis = at.getTime();
        String day = day(Math.floorDiv(millis, DAY_MILLIS));
        users.add(user);

        Delta daily = userDaily.computeIfAbsent(dailyId(user, day), id -> {
            Delta d = new Delta();
            d.onInsert.append("userId", user).append("day", dayStart(day));
            return d;
        });
        Delta totals = userTotals.computeIfAbsent(user, id -> new Delta());
        Delta platform = platformDaily.computeIfAbsent(day, id -> {
            Delta d = new Delta();
            d.onInsert.append("day", dayStart(day));
            return d;
        });
        daily.seen(at);
        totals.seen(at);

        int hour = (int) (Math.floorMod(millis, DAY_MILLIS) / 3_600_000L);
        if (kind == EventKind.AI_USAGE) {
            String[] model = modelFields.computeIfAbsent(event.get("model"),
                    m -> fields("models." + EventDocuments.escape(String.valueOf(m)) + ".", Counters.AI));
            long[] values = { 1, number(event, Counters.INPUT_TOKENS), number(event, Counters.OUTPUT_TOKENS),
                    number(event, Counters.CACHED_TOKENS), Counters.toNanos((Number) event.get("costUsd")) };
            Block[] blocks = { daily.totals, daily.hour(hour), totals.totals, totals.named(model), platform.totals,
                    platform.named(model) };
            for (Block block : blocks) {
                for (int c = REQUESTS; c <= COST; c++) {
                    block.add(c, values[c]);
                }
            }
        } else {
            String[] name = eventFields.computeIfAbsent(analyticsName(event),
                    n -> new String[] { "events." + EventDocuments.escape(n) });
            daily.totals.add(ANALYTICS, 1);
            daily.hour(hour).add(ANALYTICS, 1);
            totals.totals.add(ANALYTICS, 1);
            totals.named(name).add(0, 1);
            platform.totals.add(ANALYTICS, 1);
        }
    }

    /** {@code yyyy-MM-dd} of a UTC day; events of a fold mostly share a day. */
    private String day(long epochDay) {
        if (epochDay != lastEpochDay) {
            lastDay = LocalDate.ofEpochDay(epochDay).toString();
            lastEpochDay = epochDay;
        }
        return lastDay;
    }

    private static String[] fields(String prefix, List<String> counters) {
        return counters.stream().map(c -> prefix + c).toArray(String[]::new);
    }

    public boolean isEmpty() {
        return users.isEmpty();
    }

    /** Users whose rollups these deltas change. */
    public Set<String> users() {
        return users;
    }

    /** The {@code _id} of a user's daily rollup. */
    public static String dailyId(String userId, String day) {
        return day + ":" + userId;
    }

    public Map<String, Delta> userDaily() {
        return userDaily;
    }

    public Map<String, Delta> userTotals() {
        return userTotals;
    }

    /** Whose data a raw event is: its {@code userId}, else (analytics) its {@code anonymousId}. */
    static String user(Document event) {
        Object user = event.get("userId");
        if (user instanceof String s && !s.isBlank()) {
            return s;
        }
        Object anonymous = event.get("anonymousId");
        return anonymous instanceof String s && !s.isBlank() ? s : null;
    }

    static String analyticsName(Document event) {
        Object type = event.get("type");
        Object name = event.get("event");
        return "track".equals(type) && name instanceof String s ? s : String.valueOf(type);
    }

    private static Date at(Document event) {
        Object timestamp = event.get("timestamp");
        if (timestamp instanceof Date d) {
            return d;
        }
        Object received = event.get("receivedAt");
        return received instanceof Date d ? d : new Date(0);
    }

    private static long number(Document event, String field) {
        Object value = event.get(field);
        return value instanceof Number n ? n.longValue() : 0;
    }

    static Date dayStart(String day) {
        return Date.from(LocalDate.parse(day).atStartOfDay(ZoneOffset.UTC).toInstant());
    }
}
