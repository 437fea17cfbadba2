package dev.sluice.config;

import java.util.Locale;

import jakarta.annotation.Priority;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;

/**
 * Keeps the MongoDB client out of every role that does not use MongoDB, by construction.
 *
 * <p>Quarkus' MongoDB extension makes its client a start-up bean: when the client is active and anything may inject
 * it, it is created while the application starts, and a client holds a monitoring connection to every replica-set
 * member (three on Atlas M0) from then on, whether or not a query is ever sent. The only switch the extension offers
 * is {@code quarkus.mongodb.active}. This interceptor answers that property from {@code sluice.role} and
 * {@code sluice.write-mode} ({@link Role#usesMongo}), whatever configuration source they come from (the environment
 * on Lambda, system properties, a profile): in the ingest role of the {@code queue} mode the client is inactive, so
 * it is never created and no connection is ever opened, even with {@code MONGODB_URI} set. Any other role keeps what
 * the configuration says.
 */
@Priority(Priorities.APPLICATION)
public class RoleClients implements ConfigSourceInterceptor {

    static final String MONGO_ACTIVE = "quarkus.mongodb.active";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        if (!MONGO_ACTIVE.equals(name)) {
            return context.proceed(name);
        }
        Role role = parse(Role.class, context.proceed("sluice.role"), Role.ALL);
        WriteMode mode = parse(WriteMode.class, context.proceed("sluice.write-mode"), WriteMode.QUEUE);
        if (role.usesMongo(mode)) {
            return context.proceed(name);
        }
        return ConfigValue.builder().withName(name).withValue("false")
                .withConfigSourceName("sluice role " + role.name().toLowerCase(Locale.ROOT)).build();
    }

    private static <E extends Enum<E>> E parse(Class<E> type, ConfigValue value, E fallback) {
        if (value == null || value.getValue() == null || value.getValue().isBlank()) {
            return fallback;
        }
        return Enum.valueOf(type, value.getValue().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
