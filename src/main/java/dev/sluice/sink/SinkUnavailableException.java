package dev.sluice.sink;

/** The write path cannot take events now; the client gets 503 with Retry-After and should retry. */
public class SinkUnavailableException extends RuntimeException {

    public SinkUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
