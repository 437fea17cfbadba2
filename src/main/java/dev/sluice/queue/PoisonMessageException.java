package dev.sluice.queue;

/** A message that no retry can make storable; the flush sends it to the dead-letter queue at once. */
public class PoisonMessageException extends RuntimeException {

    /** Version of the reason strings, so tools reading the dead-letter queue can tell formats apart. */
    static final String REASON_VERSION = "v1";

    public PoisonMessageException(String detail) {
        super(detail);
    }

    /** The versioned reason stored with the message in the dead-letter queue. */
    public String reason() {
        return REASON_VERSION + ":unparseable:" + getMessage();
    }
}
