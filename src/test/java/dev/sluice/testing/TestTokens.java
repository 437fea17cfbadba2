package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Signs JWTs the way the web app will (RS256, subject = user id, issuer, expiry) with a key pair made for the test
 * run; the application verifies them against the public key written to a file ({@code mp.jwt.verify.publickey.*}).
 */
public final class TestTokens {

    public static final String ISSUER = "https://app.sluice.test";
    private static final KeyPair KEYS = generate();
    private static Path publicKeyFile;

    private TestTokens() {
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key as a PEM file, written once. */
    static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            try {
                publicKeyFile = Files.createTempFile("sluice-test-jwt", ".pem");
                publicKeyFile.toFile().deleteOnExit();
                Files.writeString(publicKeyFile, "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(KEYS.getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return publicKeyFile;
    }

    /** A token for a user, valid for the given time (negative: already expired). */
    public static String forUser(String userId, Duration validFor) {
        return sign(userId, ISSUER, validFor, KEYS);
    }

    /** A token with the right shape signed by another key. */
    public static String forged(String userId) {
        return sign(userId, ISSUER, Duration.ofMinutes(5), generate());
    }

    /** A token of another issuer. */
    public static String otherIssuer(String userId) {
        return sign(userId, "https://elsewhere.test", Duration.ofMinutes(5), KEYS);
    }

    private static String sign(String subject, String issuer, Duration validFor, KeyPair keys) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        long now = Instant.now().getEpochSecond();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"sub\":\"" + subject + "\",\"iss\":\"" + issuer + "\",\"iat\":" + now
                + ",\"exp\":" + (now + validFor.toSeconds()) + "}").getBytes(StandardCharsets.UTF_8));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(keys.getPrivate());
            rsa.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return header + "." + claims + "." + url.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
