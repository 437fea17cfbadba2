package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;

/**
 * Signs JWTs the way the web app will (subject = user id, issuer, expiry), RS256 or ES256, with keys made for the test
 * run, through jose4j (the library smallrye-jwt verifies with). The application verifies them against the public keys
 * in a JWKS file, both at once ({@code mp.jwt.verify.publickey.algorithm=RS256,ES256}), or a PEM file of the RSA key.
 */
public final class TestTokens {

    public static final String ISSUER = "https://app.sluice.test";
    /**
     * Where the run's keys are, private parts included. Quarkus loads test classes in more than one class loader (a
     * profile's overrides are read in another than the test's), and each would make keys of its own: the first makes
     * them and names the file in a system property, which every class loader shares.
     */
    private static final String KEYS_FILE = "sluice-test.jwt-keys";
    private static final JsonWebKeySet KEYS = keys();
    private static final RsaJsonWebKey RSA = (RsaJsonWebKey) KEYS.getJsonWebKeys().get(0);
    private static final EllipticCurveJsonWebKey EC = (EllipticCurveJsonWebKey) KEYS.getJsonWebKeys().get(1);
    private static Path jwksFile;
    private static Path publicKeyFile;

    private TestTokens() {
    }

    private static JsonWebKeySet keys() {
        synchronized (System.class) { // one lock for every class loader
            try {
                String file = System.getProperty(KEYS_FILE);
                if (file != null) {
                    return new JsonWebKeySet(Files.readString(Path.of(file)));
                }
                JsonWebKeySet keys = new JsonWebKeySet(rsa("rsa-1"), ec("ec-1"));
                Path written = write("sluice-test.jwt-keys", ".json",
                        keys.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
                System.setProperty(KEYS_FILE, written.toString());
                return keys;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (JoseException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static RsaJsonWebKey rsa(String kid) {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(kid);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EllipticCurveJsonWebKey ec(String kid) {
        try {
            EllipticCurveJsonWebKey key = EcJwkGenerator.generateJwk(EllipticCurves.P256);
            key.setKeyId(kid);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Both public keys as a JWKS file, as a web app publishes them, written once. */
    static synchronized Path jwksFile() {
        if (jwksFile == null) {
            jwksFile = write("sluice-test-jwks", ".json", new JsonWebKeySet(RSA, EC)
                    .toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        }
        return jwksFile;
    }

    /** The RSA public key alone as a PEM file, written once. */
    public static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            publicKeyFile = write("sluice-test-jwt", ".pem", "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder().encodeToString(RSA.getPublicKey().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n");
        }
        return publicKeyFile;
    }

    private static Path write(String prefix, String suffix, String content) {
        try {
            Path file = Files.createTempFile(prefix, suffix);
            file.toFile().deleteOnExit();
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An RS256 token for a user, valid for the given time (negative: already expired). */
    public static String forUser(String userId, Duration validFor) {
        return sign(userId, ISSUER, validFor, RSA.getPrivateKey(), RSA.getKeyId(),
                AlgorithmIdentifiers.RSA_USING_SHA256);
    }

    /** An ES256 token for a user, signed by the EC key. */
    public static String es256ForUser(String userId, Duration validFor) {
        return sign(userId, ISSUER, validFor, EC.getPrivateKey(), EC.getKeyId(),
                AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
    }

    /** A token with the right shape and key id, signed by another key. */
    public static String forged(String userId) {
        RsaJsonWebKey other = rsa(RSA.getKeyId());
        return sign(userId, ISSUER, Duration.ofMinutes(5), other.getPrivateKey(), other.getKeyId(),
                AlgorithmIdentifiers.RSA_USING_SHA256);
    }

    /** A token of another issuer. */
    public static String otherIssuer(String userId) {
        return sign(userId, "https://elsewhere.test", Duration.ofMinutes(5), RSA.getPrivateKey(), RSA.getKeyId(),
                AlgorithmIdentifiers.RSA_USING_SHA256);
    }

    private static String sign(String subject, String issuer, Duration validFor, Key key, String kid,
            String algorithm) {
        JwtClaims claims = new JwtClaims();
        claims.setSubject(subject);
        claims.setIssuer(issuer);
        long now = Instant.now().getEpochSecond();
        claims.setIssuedAt(NumericDate.fromSeconds(now));
        claims.setExpirationTime(NumericDate.fromSeconds(now + validFor.toSeconds()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setKeyIdHeaderValue(kid);
        jws.setAlgorithmHeaderValue(algorithm);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }
}
