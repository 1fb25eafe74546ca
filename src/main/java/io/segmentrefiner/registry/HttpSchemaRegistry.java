package io.segmentrefiner.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.net.URIBuilder;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A client of the Confluent Schema Registry REST API on Apache HttpClient 5, for Confluent's registry and for
 * compatible ones (Apicurio's {@code /apis/ccompat/v7}, Karapace, Redpanda). Several URLs, comma-separated, are
 * tried in turn when one cannot be reached. Credentials come from {@code basic.auth.user.info} ({@code user:password})
 * or from the URL's user info, and appear in no message.
 */
public final class HttpSchemaRegistry implements SchemaRegistry {

    // A registry answers in milliseconds; one that takes this long hangs, and the caller tries again with backoff.
    private static final Timeout ANSWER_TIMEOUT = Timeout.ofSeconds(10);
    private static final ContentType REGISTRY_JSON = ContentType.create("application/vnd.schemaregistry.v1+json", StandardCharsets.UTF_8);

    private final List<URI> baseUris;
    private final Optional<String> authorization;
    private final CloseableHttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    private HttpSchemaRegistry(List<URI> baseUris, Optional<String> userInfo) {
        this.baseUris = baseUris;
        this.authorization = userInfo.map(info ->
                "Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)));
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.ofSeconds(5))
                                .setSocketTimeout(ANSWER_TIMEOUT)
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(ANSWER_TIMEOUT).build())
                .disableAutomaticRetries()
                .build();
    }

    /**
     * @param urls     one URL or several, comma-separated
     * @param userInfo {@code user:password}, when the registry asks for HTTP Basic authentication
     */
    public static HttpSchemaRegistry connect(String urls, Optional<String> userInfo) {
        List<URI> bases = new ArrayList<>();
        Optional<String> credentials = userInfo.filter(info -> !info.isBlank());
        for (String url : urls.split(",")) {
            URI uri = URI.create(url.trim());
            if (uri.getRawUserInfo() != null && credentials.isEmpty()) {
                credentials = Optional.of(java.net.URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8));
            }
            try {
                bases.add(new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(),
                        uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", ""), null, null));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("schema.registry.url is not a URL: " + uri.getHost());
            }
        }
        return new HttpSchemaRegistry(List.copyOf(bases), credentials);
    }

    @Override
    public int register(String subject, Schema schema) {
        JsonNode answer = call(base -> post(uri(base, "subjects", subject, "versions"), Map.of("schema", schema.toString())),
                "register a schema under subject " + subject);
        return answer.path("id").asInt();
    }

    @Override
    public Schema schemaById(int id) {
        JsonNode answer = call(base -> new HttpGet(uri(base, "schemas", "ids", Integer.toString(id))), "fetch schema " + id);
        return new Schema.Parser().parse(answer.path("schema").asText());
    }

    /** Sets a subject's compatibility level, such as {@code BACKWARD}: what an operator does once per subject. */
    public void setCompatibility(String subject, String level) {
        call(base -> {
            HttpPut put = new HttpPut(uri(base, "config", subject));
            put.setEntity(entity(Map.of("compatibility", level)));
            return put;
        }, "set the compatibility of subject " + subject);
    }

    private HttpPost post(URI uri, Map<String, String> body) {
        HttpPost post = new HttpPost(uri);
        post.setEntity(entity(body));
        return post;
    }

    private StringEntity entity(Map<String, String> body) {
        try {
            return new StringEntity(json.writeValueAsString(body), REGISTRY_JSON);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface RequestFactory {
        HttpUriRequestBase request(URI base) throws URISyntaxException;
    }

    private JsonNode call(RequestFactory factory, String what) {
        IOException unreachable = null;
        for (URI base : baseUris) {
            HttpUriRequestBase request;
            try {
                request = factory.request(base);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            request.setHeader(HttpHeaders.ACCEPT, REGISTRY_JSON.getMimeType() + ", application/json");
            authorization.ifPresent(value -> request.setHeader(HttpHeaders.AUTHORIZATION, value));
            try {
                return http.execute(request, response -> {
                    String text = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
                    int status = response.getCode();
                    if (status / 100 == 2) {
                        return json.readTree(text);
                    }
                    throw new SchemaRegistryException("Schema registry at " + base + " refused to " + what + ": HTTP "
                            + status + " " + errorMessage(text), status, status >= 500, null);
                });
            } catch (IOException e) {
                unreachable = e;
            }
        }
        throw new SchemaRegistryException("Schema registry at " + baseUris + " could not be reached to " + what + ": "
                + unreachable, 0, true, null);
    }

    private String errorMessage(String text) {
        try {
            JsonNode error = json.readTree(text);
            return error.path("message").asText(text) + " (error code " + error.path("error_code").asText("none") + ")";
        } catch (IOException notJson) {
            return text.length() > 500 ? text.substring(0, 500) + "..." : text;
        }
    }

    private static URI uri(URI base, String... segments) throws URISyntaxException {
        return new URIBuilder(base).appendPathSegments(segments).build();
    }

    @Override
    public void close() {
        try {
            http.close();
        } catch (IOException ignored) {
            // nothing is left to release
        }
    }
}
