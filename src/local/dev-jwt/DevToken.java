import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

/**
 * Mints a user's JWT for the LOCAL run only, signed with the development key beside this file (its public half,
 * {@code jwks.json}, is what the local run verifies; no deployment trusts it): {@code java src/local/dev-jwt/DevToken.java user-42}.
 * RS256, subject the user id, issuer {@code https://local.sluice.dev}, valid for an hour. Written with the JDK alone
 * (no JWT library) so that it runs as a single source file, with nothing to build; a web app signs its users' tokens
 * the same way, with its own key and usually a library.
 */
public class DevToken {

    static final String ISSUER = "https://local.sluice.dev";

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || args[0].isBlank()) {
            System.err.println("usage: java src/local/dev-jwt/DevToken.java <userId>");
            System.exit(2);
        }
        Path file = Path.of("src", "local", "dev-jwt", "private.pem");
        if (!Files.exists(file)) {
            System.err.println("run it from the project's root: " + file + " is not there");
            System.exit(2);
        }
        String pem = Files.readString(file).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        long now = Instant.now().getEpochSecond();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"local-dev\"}".getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"sub\":\"" + json(args[0]) + "\",\"iss\":\"" + ISSUER + "\",\"iat\":"
                + now + ",\"exp\":" + (now + 3600) + "}").getBytes(StandardCharsets.UTF_8));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        System.out.println(header + "." + claims + "." + url.encodeToString(rsa.sign()));
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
