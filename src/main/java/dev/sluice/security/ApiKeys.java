package dev.sluice.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.config.SluiceConfig;

/**
 * The configured keys, kept as SHA-256 digests and compared in constant time against every key of a kind (no early
 * exit), so neither the comparison nor the number of keys leaks through timing.
 */
@ApplicationScoped
public class ApiKeys {

    private final List<byte[]> writeKeys;
    private final List<byte[]> adminKeys;
    private final List<byte[]> serviceKeys;

    public ApiKeys(SluiceConfig config) {
        this.writeKeys = digests(config.auth().writeKeys().orElse(List.of()));
        this.adminKeys = digests(config.auth().adminKeys().orElse(List.of()));
        this.serviceKeys = digests(config.auth().serviceKeys().orElse(List.of()));
    }

    public boolean isServiceKey(String presented) {
        return matches(serviceKeys, presented);
    }

    public boolean isWriteKey(String presented) {
        return matches(writeKeys, presented);
    }

    public boolean isAdminKey(String presented) {
        return matches(adminKeys, presented);
    }

    /**
     * The key an {@code Authorization} header carries: {@code Bearer <key>}, or HTTP Basic with the key as the user
     * name (as Segment's libraries send it); null when there is none.
     */
    public static String fromHeader(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return value.substring(7).trim();
        }
        if (value.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(value.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? decoded : decoded.substring(0, colon);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** A key's identity for counting (rate limits): the start of its digest, never the key itself. */
    public static String id(String key) {
        return HexFormat.of().formatHex(sha256(key), 0, 8);
    }

    private static boolean matches(List<byte[]> keys, String presented) {
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        byte[] digest = sha256(presented);
        boolean found = false;
        for (byte[] key : keys) {
            found |= MessageDigest.isEqual(key, digest);
        }
        return found;
    }

    private static List<byte[]> digests(List<String> keys) {
        return keys.stream().map(String::trim).filter(k -> !k.isEmpty()).map(ApiKeys::sha256).toList();
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
