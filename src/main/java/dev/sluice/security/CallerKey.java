package dev.sluice.security;

import jakarta.enterprise.context.RequestScoped;

/**
 * What the authentication filter learned of a request: whether a Segment route still has to find a valid
 * {@code writeKey} in the body (older Segment libraries send the key only there), and who reads stats (a service,
 * or the user a JWT names).
 */
@RequestScoped
public class CallerKey {

    private boolean bodyKeyRequired;
    private boolean service;
    private String writeKeyId;
    private String jwtSubject;

    void requireBodyKey() {
        bodyKeyRequired = true;
    }

    public boolean bodyKeyRequired() {
        return bodyKeyRequired;
    }

    void writeKey(String key) {
        writeKeyId = ApiKeys.id(key);
    }

    /** The identity of the write key the call came with ({@link ApiKeys#id}), or null. */
    public String writeKeyId() {
        return writeKeyId;
    }

    void service() {
        service = true;
    }

    void user(String subject) {
        jwtSubject = subject;
    }

    /**
     * Whose stats a request reads: a user's JWT reads its subject's ({@code ?userId=}, if given, must be the same);
     * a service key reads the {@code ?userId=} it names.
     *
     * @throws ForbiddenException for a user asking for another user's stats
     */
    public String statsUser(String requested) {
        if (service) {
            return requested;
        }
        if (requested != null && !requested.equals(jwtSubject)) {
            throw new ForbiddenException("a user token reads only its own stats");
        }
        return jwtSubject;
    }
}
