package dev.sluice.queue;

/** A message that no retry can make storable; the flush sends it to the dead-letter queue at once. */
public class PoisonMessageException extends RuntimeException {

    /**
     * Version of the reason strings, so tools reading the dead-letter queue can tell formats apart: {@code v1} named
     * unparseable messages only; {@code v2} adds events rejected alone ({@link #rejected}).
     */
    static final String REASON_VERSION = "v2";
    private static final int MAX_REASON = 2000;

    public PoisonMessageException(String detail) {
        super(detail);
    }

    /** The versioned reason stored with the message in the dead-letter queue. */
    public String reason() {
        return REASON_VERSION + ":unparseable:" + getMessage();
    }

    /** The reason of one event dead-lettered alone, because MongoDB can never store it as it is. */
    public static String rejected(String kind, String eventId, String userId, String why) {
        String reason = REASON_VERSION + ":rejected:" + kind + " event " + eventId + " of user " + userId + ": " + why;
        // a message attribute, not a log: a MongoDB error message can be long
        return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON);
    }
}
