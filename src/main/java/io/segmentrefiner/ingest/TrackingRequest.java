package io.segmentrefiner.ingest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.segment.BatchEnvelope;
import io.segmentrefiner.segment.IsoTimestamps;
import io.segmentrefiner.segment.SegmentEvent;
import io.segmentrefiner.segment.ServerFields;
import io.segmentrefiner.segment.Utf8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPInputStream;

/**
 * One call to Segment's HTTP Tracking API, checked and turned into the events to write, as Segment's own servers
 * do: the write key (HTTP Basic user, or {@code writeKey} in the body), the size limits (32 KB a call, 500 KB a
 * batch), gzip, UTF-8, and the fields Segment fills in ({@code type} from the path, {@code messageId},
 * {@code receivedAt}, and {@code timestamp} corrected for the client's clock when it sent {@code sentAt}). A pure
 * function of the request.
 */
public final class TrackingRequest {

    public static final int CALL_LIMIT = 32 * 1024;
    public static final int BATCH_LIMIT = 500 * 1024;

    private static final Set<String> SINGLE_CALLS = Set.of("identify", "track", "page", "screen", "group", "alias");
    private static final Set<String> BATCH_CALLS = Set.of("batch", "import");

    /** The answer to a call, and the events to write before giving it when it is a success. */
    public sealed interface Answer {
    }

    /** Every event of the call, ready for the input topic: its JSON, and that JSON written. */
    public record Success(List<Event> events) implements Answer {
    }

    public record Event(ObjectNode json, byte[] bytes) {
    }

    /** Refused with Segment's answer: nothing is written. */
    public record Failure(int status, String message) implements Answer {
    }

    private final ObjectMapper json;
    private final ObjectReader strict;
    private final Set<String> writeKeys;

    public TrackingRequest(ObjectMapper json, Set<String> writeKeys) {
        this.json = json;
        this.strict = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.writeKeys = Set.copyOf(writeKeys);
    }

    /**
     * @param path            such as {@code /v1/track}
     * @param authorization   the {@code Authorization} header, when there is one
     * @param contentEncoding the {@code Content-Encoding} header, when there is one
     */
    public Answer handle(String path, Optional<String> authorization, Optional<String> contentEncoding, byte[] body, Instant now) {
        // Segment's Java library posts to /v1/import/, with the slash.
        String call = path.startsWith("/v1/") ? path.substring(4).replaceFirst("/$", "") : "";
        boolean batch = BATCH_CALLS.contains(call);
        if (!batch && !SINGLE_CALLS.contains(call)) {
            return new Failure(404, "No such endpoint: " + path);
        }
        int limit = batch ? BATCH_LIMIT : CALL_LIMIT;
        byte[] content;
        try {
            content = contentEncoding.filter(encoding -> encoding.equalsIgnoreCase("gzip")).isPresent() ? gunzip(body, limit) : body;
        } catch (IOException e) {
            return new Failure(400, "The body is not valid gzip");
        }
        if (content.length > limit) {
            return new Failure(413, (batch ? "A batch" : "A call") + " may be " + limit / 1024 + " KB at most");
        }
        // JSON is UTF-8 (RFC 8259); Jackson alone would read overlong forms and encoded surrogates as characters, and
        // take a body with a NUL in its first two bytes for UTF-16 or UTF-32.
        int malformed = Utf8.firstMalformedByte(content);
        if (malformed >= 0) {
            return new Failure(400, "Invalid JSON: the body is not UTF-8 (a malformed byte sequence at byte " + malformed + ")");
        }
        for (int i = 0; i < Math.min(2, content.length); i++) {
            if (content[i] == 0) {
                return new Failure(400, "Invalid JSON: a NUL byte at byte " + i + " (JSON is UTF-8, not UTF-16 or UTF-32)");
            }
        }
        JsonNode root;
        try {
            root = strict.readTree(content);
        } catch (IOException e) {
            return new Failure(400, "Invalid JSON");
        }
        if (!(root instanceof ObjectNode object)) {
            return new Failure(400, "Invalid JSON: the body must be a JSON object");
        }
        Optional<String> writeKey = writeKey(authorization).or(() -> text(object.get("writeKey")));
        if (writeKey.isEmpty() || !writeKeys.contains(writeKey.get())) {
            return new Failure(401, writeKey.isEmpty() ? "No write key" : "Unknown write key");
        }
        return batch ? batch(object, now) : single(object, call, now);
    }

    private Answer single(ObjectNode event, String call, Instant now) {
        event.remove("writeKey");
        if (!event.hasNonNull("type")) {
            event.put("type", call);
        }
        complete(event, Optional.empty(), now);
        return new Success(List.of(new Event(event, SegmentEvent.bytes(json, event))));
    }

    private Answer batch(ObjectNode envelope, Instant now) {
        JsonNode elements = envelope.get("batch");
        if (!(elements instanceof ArrayNode array)) {
            return new Failure(400, "A batch needs a \"batch\" array");
        }
        Optional<String> sentAt = text(envelope.get("sentAt"));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof ObjectNode element)) {
                return new Failure(400, "Batch element " + i + " is not a JSON object");
            }
            if (text(element.get("type")).isEmpty()) {
                return new Failure(400, "Batch element " + i + " has no type");
            }
            ObjectNode event = BatchEnvelope.standalone(element, envelope);
            event.remove("writeKey");
            complete(event, sentAt, now);
            byte[] bytes = SegmentEvent.bytes(json, event);
            if (bytes.length > CALL_LIMIT) {
                return new Failure(413, "Batch element " + i + " is over 32 KB");
            }
            events.add(new Event(event, bytes));
        }
        return new Success(events);
    }


    /** Fills in what Segment's servers fill in. */
    private static void complete(ObjectNode event, Optional<String> batchSentAt, Instant receivedAt) {
        ServerFields.fillInMessageId(event, () -> UUID.randomUUID().toString());
        ServerFields.setReceivedAt(event, receivedAt);
        Optional<Instant> sentAt = instant(event.get("sentAt")).or(() -> batchSentAt.flatMap(IsoTimestamps::parse));
        Optional<Instant> clientTimestamp = instant(event.get("timestamp"));
        clientTimestamp.ifPresent(timestamp -> event.put("originalTimestamp", event.get("timestamp").asText()));
        Instant timestamp = clientTimestamp
                // The client's clock may be off: keep the interval between its event and its send, on our clock.
                .map(client -> sentAt.flatMap(sent -> onOurClock(client, sent, receivedAt)).orElse(client))
                .orElse(receivedAt);
        event.put("timestamp", ServerFields.ISO_MILLIS.format(timestamp));
        sentAt.ifPresent(sent -> event.put("sentAt", ServerFields.ISO_MILLIS.format(sent)));
    }

    /**
     * {@code receivedAt - (sentAt - timestamp)}; empty when that is beyond the dates an {@link Instant} holds, as for a
     * timestamp and a sentAt at opposite ends of them (the client's clock is then of no use).
     */
    private static Optional<Instant> onOurClock(Instant clientTimestamp, Instant sentAt, Instant receivedAt) {
        try {
            return Optional.of(receivedAt.minus(Duration.between(clientTimestamp, sentAt)));
        } catch (DateTimeException | ArithmeticException beyondTheRange) {
            return Optional.empty();
        }
    }

    private static Optional<String> writeKey(Optional<String> authorization) {
        return authorization.filter(value -> value.regionMatches(true, 0, "Basic ", 0, 6)).flatMap(value -> {
            try {
                String decoded = new String(Base64.getDecoder().decode(value.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return Optional.of(colon < 0 ? decoded : decoded.substring(0, colon)).filter(key -> !key.isEmpty());
            } catch (IllegalArgumentException notBase64) {
                return Optional.empty();
            }
        });
    }

    private static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText()) : Optional.empty();
    }

    private static Optional<Instant> instant(JsonNode node) {
        return text(node).flatMap(IsoTimestamps::parse);
    }

    /** Decompresses at most {@code limit + 1} bytes: enough to tell a body over the limit, and no zip bomb. */
    private static byte[] gunzip(byte[] body, int limit) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) > 0) {
                out.write(buffer, 0, read);
                if (out.size() > limit) {
                    break;
                }
            }
            return out.toByteArray();
        }
    }
}
