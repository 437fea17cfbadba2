package dev.sluice.security;

import jakarta.enterprise.context.RequestScoped;

/**
 * What the authentication filter learned of a request: whether a Segment route still has to find a valid
 * {@code writeKey} in the body (older Segment libraries send the key only there).
 */
@RequestScoped
public class CallerKey {

    private boolean bodyKeyRequired;

    void requireBodyKey() {
        bodyKeyRequired = true;
    }

    public boolean bodyKeyRequired() {
        return bodyKeyRequired;
    }
}
