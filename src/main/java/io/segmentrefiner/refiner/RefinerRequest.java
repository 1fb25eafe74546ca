package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One call to Refiner's REST API: {@code POST} (or {@code DELETE}) {@code {refiner.api.url}{path}} with a JSON body. */
public record RefinerRequest(String method, String path, ObjectNode body) {

    public static final String IDENTIFY_USER = "/v1/identify-user";
    public static final String TRACK_EVENT = "/v1/track-event";
    public static final String CONTACT = "/v1/contact";
    public static final String DELETE = "DELETE";

    public static RefinerRequest post(String path, ObjectNode body) {
        return new RefinerRequest("POST", path, body);
    }

    /** Who the request is about: the user id, else the email. Requests are keyed by it, to keep one person's in order. */
    public String contact() {
        return body.hasNonNull("id") ? body.get("id").asText() : body.get("email").asText();
    }
}
