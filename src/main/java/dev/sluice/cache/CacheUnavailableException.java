package dev.sluice.cache;

/** Redis could not be reached or answered with an error; the caller reads around the cache. */
public class CacheUnavailableException extends RuntimeException {

    public CacheUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
