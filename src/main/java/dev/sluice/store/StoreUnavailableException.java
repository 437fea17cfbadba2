package dev.sluice.store;

/** MongoDB could not be reached or did not answer in time: nothing of the write can be assumed stored. */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
