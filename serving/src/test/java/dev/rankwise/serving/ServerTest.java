package dev.rankwise.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The endpoint over loopback HTTP with model-free folders ({@link FakeAdapters}): answers, every
 * refusal's status and message, the token, the metrics, and fuzzed bodies that never get a 500.
 * That the numbers are {@code rankwise predict}'s is the cli's ServeCommandTest's to show.
 */
@Timeout(120)
class ServerTest {

  private final FakeAdapters fake = new FakeAdapters();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private Server server;

  private Server start(ServerOptions options) throws IOException {
    AdapterRegistry registry = new AdapterRegistry((name, folder) -> {
      if (folder.toString().startsWith("missing")) {
        throw new NoSuchFileException(folder + "/adapter_config.json");
      }
      return folder.toString().equals("news") ? fake.adapter(name, 16, "news", "spam") : fake.adapter(name, 16);
    });
    registry.load("first", java.nio.file.Path.of("first"));
    server = Server.start(options, registry);
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static JsonObject json(HttpResponse<String> response) {
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  private static void assertRefused(HttpResponse<String> response, int status, String... words) {
    assertEquals(status, response.statusCode(), response.body());
    String error = json(response).get("error").getAsString();
    for (String word : words) {
      assertTrue(error.contains(word), "'" + word + "' not in: " + error);
    }
  }

  @Test
  void labelsOneTasksTextsAndMixedRowsInOrder() throws Exception {
    start(ServerOptions.loopback());
    HttpResponse<String> one = send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\", \""
        + "x".repeat(80) + "\"]}");
    assertEquals(200, one.statusCode(), one.body());
    var predictions = json(one).getAsJsonArray("predictions");
    assertEquals("ham", predictions.get(0).getAsJsonObject().get("label").getAsString());
    assertEquals("spam", predictions.get(1).getAsJsonObject().get("label").getAsString());
    assertEquals(0.8f, predictions.get(1).getAsJsonObject().getAsJsonObject("probabilities").get("spam").getAsFloat());

    HttpResponse<String> mixed = send("POST", "/v1/predict", "{\"rows\": [{\"task\": \"mood\", \"text\": \"calm\"},"
        + " {\"task\": \"spam\", \"text\": \"hi\"}]}");
    assertEquals(200, mixed.statusCode(), mixed.body());
    assertEquals("mood", json(mixed).getAsJsonArray("predictions").get(0).getAsJsonObject().get("task").getAsString());
    assertEquals("calm", json(mixed).getAsJsonArray("predictions").get(0).getAsJsonObject().get("label").getAsString());

    JsonObject tasks = json(send("GET", "/v1/tasks", null));
    assertEquals(2, tasks.getAsJsonArray("tasks").size(), tasks.toString());
    assertEquals("fake-base", tasks.getAsJsonArray("adapters").get(0).getAsJsonObject().get("base").getAsString());
    assertEquals(200, send("GET", "/health", null).statusCode());
    assertEquals(200, send("GET", "/ready", null).statusCode());
    String metrics = send("GET", "/metrics", null).body();
    assertTrue(metrics.contains("rankwise_requests_total{status=\"200\"}"), metrics);
    assertTrue(metrics.contains("rankwise_rows_total{task=\"spam\"} 3.0"), metrics);
    assertTrue(metrics.contains("rankwise_batch_rows_count"), metrics);
    assertTrue(metrics.contains("rankwise_queue_rows"), metrics);
    assertTrue(metrics.contains("rankwise_request_latency_seconds_count{task=\"mood\"} 1"), metrics);
  }

  @Test
  void badRequestsAreRefusedNamingTheField() throws Exception {
    start(ServerOptions.loopback());
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\""), 400, "malformed JSON");
    assertRefused(send("POST", "/v1/predict", "[1, 2]"), 400, "body", "JSON object");
    assertRefused(send("POST", "/v1/predict", ""), 400, "body", "empty");
    assertRefused(send("POST", "/v1/predict", "{\"texts\": [\"a\"]}"), 400, "task", "missing");
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\"}"), 400, "texts", "missing");
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": \"a\"}"), 400, "texts", "array");
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": []}"), 400, "texts", "empty");
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\", 3]}"), 400, "texts[1]", "string");
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\", \" \"]}"), 400, "texts[1]", "blank");
    assertRefused(send("POST", "/v1/predict", "{\"rows\": [{\"task\": \"spam\"}]}"), 400, "rows[0].text", "missing");
    HttpResponse<String> unknown = send("POST", "/v1/predict",
        "{\"rows\": [{\"task\": \"spam\", \"text\": \"a\"}, {\"task\": \"weather\", \"text\": \"b\"}]}");
    assertRefused(unknown, 404, "rows[1].task", "weather", "[mood, spam]");
    assertEquals(2, json(unknown).getAsJsonArray("tasks").size());
  }

  @Test
  void limitsAnswer413And429AndTheServerGoesOn() throws Exception {
    start(new ServerOptions("127.0.0.1", 0, java.util.Optional.empty(), 200, 3, Duration.ofSeconds(30),
        new BatchingOptions(BatchStrategy.CROSS_TASK, 64, 1 << 20, Duration.ZERO, 4, 1)));
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"" + "a".repeat(300) + "\"]}"),
        413, "200 bytes");
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\", \"c\", \"d\"]}"),
        413, "texts", "at most 3");

    fake.gate = new CountDownLatch(1);
    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    HttpRequest three = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/predict"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"spam\", \"texts\": [\"a\", \"b\", \"c\"]}")).build();
    held.add(client.sendAsync(three, HttpResponse.BodyHandlers.ofString()));
    assertTrue(fake.entered.tryAcquire(30, TimeUnit.SECONDS), "the first pass started");
    // The worker holds the first three rows in its pass; three more fill the queue's four rows with one.
    held.add(client.sendAsync(three, HttpResponse.BodyHandlers.ofString()));
    for (int wait = 0; wait < 3000 && !server.metrics().scrape().contains("rankwise_queue_rows 3.0"); wait++) {
      Thread.sleep(10);
    }
    HttpResponse<String> full = send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\"]}");
    assertRefused(full, 429, "queue is full");
    assertEquals("1", full.headers().firstValue("Retry-After").orElse(""));
    fake.gate.countDown();
    for (CompletableFuture<HttpResponse<String>> response : held) {
      assertEquals(200, response.get().statusCode(), response.get().body());
    }
    assertEquals(200, send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\"]}").statusCode());
  }

  @Test
  void aRequestPastItsDeadlineGets503() throws Exception {
    start(ServerOptions.loopback().withDeadline(Duration.ofMillis(200)));
    fake.gate = new CountDownLatch(1);
    HttpResponse<String> late = send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\"]}");
    fake.gate.countDown();
    assertRefused(late, 503, "deadline of 200 ms");
    assertEquals(200, send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\"]}").statusCode());
  }

  @Test
  void aTokenGuardsEverythingButTheHealthChecks() throws Exception {
    start(ServerOptions.loopback().withToken("s3cret"));
    String body = "{\"task\": \"spam\", \"texts\": [\"a\"]}";
    HttpResponse<String> none = send("POST", "/v1/predict", body);
    assertRefused(none, 401, "bearer token");
    assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
    assertEquals(401, send("POST", "/v1/predict", body, "Authorization", "Bearer wrong").statusCode());
    assertEquals(401, send("GET", "/metrics", null).statusCode());
    assertEquals(200, send("POST", "/v1/predict", body, "Authorization", "Bearer s3cret").statusCode());
    assertEquals(200, send("GET", "/health", null).statusCode());
    assertEquals(200, send("GET", "/ready", null).statusCode());
  }

  @Test
  void adaptersLoadAndUnloadWhileServingAndABadFolderIsRefused() throws Exception {
    start(ServerOptions.loopback());
    assertRefused(send("POST", "/v1/adapters/second", "{\"folder\": \"missing-folder\"}"), 400, "second",
        "missing-folder");
    assertRefused(send("POST", "/v1/adapters/second", "{\"folder\": \"news\"}"), 409, "'spam'", "'first'");
    assertRefused(send("POST", "/v1/adapters/second", "{}"), 400, "folder", "missing");
    assertEquals(200, send("POST", "/v1/predict", "{\"task\": \"spam\", \"texts\": [\"a\"]}").statusCode());

    HttpResponse<String> replaced = send("POST", "/v1/adapters/first", "{\"folder\": \"news\"}");
    assertEquals(200, replaced.statusCode(), replaced.body());
    assertTrue(json(replaced).get("replaced").getAsBoolean());
    assertTrue(fake.closed.get(), "the replaced folder closed: no request held it");
    assertEquals(200, send("POST", "/v1/predict", "{\"task\": \"news\", \"texts\": [\"a\"]}").statusCode());
    assertRefused(send("POST", "/v1/predict", "{\"task\": \"mood\", \"texts\": [\"a\"]}"), 404, "mood", "[news, spam]");

    assertEquals(200, send("DELETE", "/v1/adapters/first", null).statusCode());
    assertRefused(send("DELETE", "/v1/adapters/first", null), 404, "first");
    assertEquals(503, send("GET", "/ready", null).statusCode());
    assertEquals(201, send("POST", "/v1/adapters/again", "{\"folder\": \"again\"}").statusCode());
    assertEquals(200, send("GET", "/ready", null).statusCode());
  }

  /** Random bodies from a fixed seed: truncations and mutations of valid ones, and noise. */
  @Test
  void fuzzedBodiesNeverGetA500() throws Exception {
    start(ServerOptions.loopback());
    String[] valid = {
      "{\"task\": \"spam\", \"texts\": [\"WIN a prize\", \"lunch?\"]}",
      "{\"rows\": [{\"task\": \"mood\", \"text\": \"fire\"}, {\"task\": \"spam\", \"text\": \"hi\"}]}",
    };
    String alphabet = "{}[]\":,\\ truefalsnl0123456789.-eE\u00e9\u2603\ud83d\ude00\u0000taskxrow";
    Random random = new Random(17);
    for (int i = 0; i < 300; i++) {
      String base = valid[random.nextInt(valid.length)];
      StringBuilder body = new StringBuilder(switch (random.nextInt(4)) {
        case 0 -> base.substring(0, random.nextInt(base.length()));
        case 1 -> "";
        default -> base;
      });
      int edits = random.nextInt(6);
      for (int e = 0; e < edits && body.length() > 0; e++) {
        int at = random.nextInt(body.length());
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        switch (random.nextInt(3)) {
          case 0 -> body.setCharAt(at, c);
          case 1 -> body.insert(at, c);
          default -> body.deleteCharAt(at);
        }
      }
      if (random.nextInt(10) == 0) {
        body.append("[".repeat(random.nextInt(5000)));
      }
      HttpResponse<String> response = send("POST", "/v1/predict", body.toString());
      assertTrue(response.statusCode() == 200 || response.statusCode() == 400 || response.statusCode() == 404,
          "body " + body + " got " + response.statusCode() + ": " + response.body());
      assertFalse(json(response).has("error") && response.statusCode() == 200);
    }
    String load = "{\"folder\": \"missing\"}";
    for (int i = 0; i < 100; i++) {
      StringBuilder body = new StringBuilder(load);
      for (int e = random.nextInt(4); e >= 0 && body.length() > 0; e--) {
        int at = random.nextInt(body.length());
        body.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
      }
      HttpResponse<String> response = send("POST", "/v1/adapters/fuzz", body.toString());
      assertTrue(List.of(201, 200, 400, 409).contains(response.statusCode()),
          "body " + body + " got " + response.statusCode() + ": " + response.body());
    }
  }
}
