package dev.sluice.security;

/** Which public API a path belongs to. */
public final class Routes {

    private Routes() {
    }

    /** The {@code endpoint} of an ingest path: {@code ai_usage} or {@code segment}; null for any other path. */
    public static String ingestEndpoint(String path) {
        if (path.startsWith("/api/ai/")) {
            return "ai_usage";
        }
        if (path.startsWith("/v1/") || path.startsWith("/api/analytics/")) {
            return "segment";
        }
        return null;
    }

    public static boolean isIngest(String path) {
        return ingestEndpoint(path) != null;
    }
}
