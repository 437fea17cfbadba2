package dev.sluice.ingest;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The 202 body: the events are durably accepted and these are their ids, in request order.
 *
 * @param accepted how many events
 * @param ids their event ids, client-supplied or assigned
 */
@RegisterForReflection
public record IngestReceipt(int accepted, List<String> ids) {
}
