package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.cli.load.LoadReport;
import dev.rankwise.cli.load.OpenLoop;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.serving.AdapterLoader;
import dev.rankwise.serving.AdapterRegistry;
import dev.rankwise.serving.BatchStrategy;
import dev.rankwise.serving.BatchingOptions;
import dev.rankwise.serving.Server;
import dev.rankwise.serving.ServerOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on real adapters (shared LoRA over spam, finefood and two Reuters tasks, trained in
 * seconds): concurrent clients get exactly {@code rankwise predict}'s answers, whatever rows share
 * their forward passes; overload is refused with 429 and the server answers correctly afterwards;
 * the folder is reloaded under load without a request lost; fuzzed bodies never get a 500.
 */
@Timeout(240)
class ServeCommandTest {

  @TempDir static Path work;

  private static Path adapters;
  /** Texts of each task, and what {@code rankwise predict} prints for each (label TAB probability). */
  private static final Map<String, List<String>> TEXTS = new LinkedHashMap<>();
  private static final Map<String, Map<String, String>> PREDICTED = new LinkedHashMap<>();

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private Server server;

  @BeforeAll
  static void trainAndPredict() throws IOException {
    Path out = ServeFixture.out();
    adapters = ServeFixture.adapters();
    TEXTS.put("spam", List.of("WIN a FREE prize now, text CLAIM", "Are we still on for lunch?", "ok", "Call me later"));
    TEXTS.put("finefood", List.of("Stale and tasteless, never again.", "The best coffee I have ever had!",
        "Arrived quickly; my dog loves these treats and asks for more every evening."));
    TEXTS.put("grain", List.of("Wheat exports rose sharply as the harvest beat forecasts.", "Shares of the bank fell."));
    TEXTS.put("corn", List.of("Corn futures climbed on drought fears in the Midwest.", "The central bank cut rates."));
    // What predict prints: its own code path (the record's base, TaskClassifier.predict) run once for
    // every task here, and the command itself for one task, to tie the two.
    try (BertEncoder encoder = BertEncoder.forAdapters(ClassifierRecord.read(adapters), null, null);
        TaskClassifier classifier = TaskClassifier.load(adapters, encoder)) {
      TEXTS.forEach((task, texts) -> {
        Map<String, String> byText = new LinkedHashMap<>();
        List<Prediction> predictions = classifier.predict(task, texts);
        for (int i = 0; i < texts.size(); i++) {
          byText.put(texts.get(i), predictions.get(i).toString());
        }
        PREDICTED.put(task, byText);
      });
    }
    List<String> spam = TEXTS.get("spam");
    String[] args = Stream.concat(Stream.of("predict", "--adapters", adapters.toString(), "--task", "spam",
        "--out", out.toString()), spam.stream()).toArray(String[]::new);
    CliRun predict = run(args);
    assertEquals(0, predict.code(), predict.err());
    assertEquals(new ArrayList<>(PREDICTED.get("spam").values()), predict.out().lines().toList());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  private Server start(ServerOptions options) throws IOException {
    AdapterRegistry registry = new AdapterRegistry(AdapterLoader.classifiers(null, null));
    registry.load("shared-lora", adapters);
    server = Server.start(options, registry);
    return server;
  }

  private static ServerOptions options(BatchStrategy strategy, int maxQueueRows, int maxRequestRows) {
    return new ServerOptions("127.0.0.1", 0, Optional.empty(), 1 << 20, maxRequestRows, Duration.ofSeconds(60),
        new BatchingOptions(strategy, 16, 8192, Duration.ofMillis(5), maxQueueRows, 1));
  }

  /** A random request: one task's texts, or rows of several tasks; with the lines predict printed for them. */
  private record Call(String body, List<String> expected) {}

  private static Call call(Random random) {
    List<String> tasks = new ArrayList<>(TEXTS.keySet());
    int count = 1 + random.nextInt(4);
    List<String> expected = new ArrayList<>();
    if (random.nextBoolean()) {
      String task = tasks.get(random.nextInt(tasks.size()));
      JsonArray texts = new JsonArray();
      for (int i = 0; i < count; i++) {
        String text = TEXTS.get(task).get(random.nextInt(TEXTS.get(task).size()));
        texts.add(text);
        expected.add(PREDICTED.get(task).get(text));
      }
      JsonObject body = new JsonObject();
      body.addProperty("task", task);
      body.add("texts", texts);
      return new Call(body.toString(), expected);
    }
    JsonArray rows = new JsonArray();
    for (int i = 0; i < count; i++) {
      String task = tasks.get(random.nextInt(tasks.size()));
      String text = TEXTS.get(task).get(random.nextInt(TEXTS.get(task).size()));
      JsonObject row = new JsonObject();
      row.addProperty("task", task);
      row.addProperty("text", text);
      rows.add(row);
      expected.add(PREDICTED.get(task).get(text));
    }
    JsonObject body = new JsonObject();
    body.add("rows", rows);
    return new Call(body.toString(), expected);
  }

  private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return client.send(request(path, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(90)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** The answer as {@code rankwise predict} prints it: {@link Prediction#toString}'s format. */
  private static List<String> printed(HttpResponse<String> response) {
    List<String> lines = new ArrayList<>();
    for (JsonElement element : JsonParser.parseString(response.body()).getAsJsonObject().getAsJsonArray("predictions")) {
      JsonObject prediction = element.getAsJsonObject();
      lines.add(String.format(Locale.ROOT, "%s\t%.4f", prediction.get("label").getAsString(),
          prediction.get("probability").getAsFloat()));
    }
    return lines;
  }

  private void assertAnswers(Call call, HttpResponse<String> response) {
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(call.expected(), printed(response), call.body());
  }

  /** Clients send {@code each} random calls apiece, all at once; every answer is predict's. */
  private int concurrentClients(int clients, int each, long seed) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        Random random = new Random(seed + c);
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            Call call = call(random);
            assertAnswers(call, post("/v1/predict", call.body()));
          }
          return each;
        }));
      }
      int answered = 0;
      for (Future<Integer> future : done) {
        answered += future.get();
      }
      return answered;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentClientsGetExactlyPredictsAnswersUnderEveryStrategy() throws Exception {
    for (BatchStrategy strategy : BatchStrategy.values()) {
      start(options(strategy, 1024, 64));
      assertEquals(24, concurrentClients(6, 4, 11 + strategy.ordinal()));
      String metrics = server.metrics().scrape();
      assertTrue(metrics.contains("rankwise_requests_total{status=\"200\"} 24.0"), metrics);
      if (strategy == BatchStrategy.NONE) {
        assertTrue(metrics.contains("rankwise_batch_rows_count 24"), "one pass per request:\n" + metrics);
      }
      server.stop();
      server = null;
    }
  }

  @Test
  void overloadIsRefusedWith429AndTheServerAnswersCorrectlyAfterwards() throws Exception {
    start(options(BatchStrategy.CROSS_TASK, 8, 4));
    Random random = new Random(5);
    long refused = 0;
    for (int round = 0; round < 5 && refused == 0; round++) {
      List<Call> calls = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Call call = call(random);
        calls.add(call);
        responses.add(client.sendAsync(request("/v1/predict", call.body()), HttpResponse.BodyHandlers.ofString()));
      }
      for (int i = 0; i < calls.size(); i++) {
        HttpResponse<String> response = responses.get(i).get();
        if (response.statusCode() == 429) {
          refused++;
          long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElse("0"));
          assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After in whole seconds: " + response.headers());
          assertTrue(response.body().contains("queue is full"), response.body());
        } else {
          assertAnswers(calls.get(i), response);
        }
      }
    }
    assertTrue(refused > 0, "40 requests at once on a queue of 8 rows: some must be refused");
    assertEquals(8, concurrentClients(1, 8, 99), "the server goes on answering correctly");
  }

  @Test
  void aReloadUnderLoadLosesNoRequestAndABadFolderIsRefused() throws Exception {
    start(options(BatchStrategy.CROSS_TASK, 1024, 64));
    Path copy = Files.createDirectories(work.resolve("copy"));
    try (Stream<Path> files = Files.list(adapters)) {
      for (Path file : files.toList()) {
        Files.copy(file, copy.resolve(file.getFileName()));
      }
    }
    ExecutorService load = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> answered = load.submit(() -> concurrentClients(3, 8, 41));
      for (int reload = 0; reload < 3; reload++) {
        HttpResponse<String> reloaded = post("/v1/adapters/shared-lora",
            "{\"folder\": \"" + (reload % 2 == 0 ? copy : adapters).toString().replace("\\", "\\\\") + "\"}");
        assertEquals(200, reloaded.statusCode(), reloaded.body());
      }
      HttpResponse<String> bad = post("/v1/adapters/other", "{\"folder\": \"" + work.resolve("nothing-here") + "\"}");
      assertEquals(400, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("nothing-here"), bad.body());
      HttpResponse<String> clash = post("/v1/adapters/other", "{\"folder\": \"" + copy + "\"}");
      assertEquals(409, clash.statusCode(), clash.body());
      assertEquals(24, answered.get());
    } finally {
      load.shutdownNow();
    }
    assertEquals(List.of("shared-lora"), server.adapters().names());
  }

  /** The load benchmark's generator and report, on a short run (loadtest adds a server JVM per strategy). */
  @Test
  void theLoadBenchmarkCountsEveryRequestAndWritesItsReport() throws Exception {
    start(options(BatchStrategy.CROSS_TASK, 1024, 64));
    OpenLoop load = new OpenLoop(client, URI.create("http://127.0.0.1:" + server.port() + "/v1/predict"),
        Duration.ofSeconds(60));
    OpenLoop.Step step = load.run(20, 1, random -> {
      Call call = call(random);
      return new OpenLoop.Body(call.body(), call.expected().size());
    }, new Random(3));
    assertTrue(step.sent() > 0, "a second at 20 per second sent something");
    assertEquals(step.sent(), step.ok() + step.tooMany() + step.unavailable() + step.otherStatus() + step.failed(),
        "every request is counted once");
    assertEquals(step.ok(), step.latencyMicros().getTotalCount(), "a latency per 200");
    String metrics = server.metrics().scrape();
    assertTrue(metrics.contains("rankwise_requests_total{status=\"200\"} " + step.ok() + ".0"), metrics);

    Path report = work.resolve("load");
    LoadReport.write(report, "# smoke", List.of(new LoadReport.Row("cross-task", step, 123 << 20)));
    List<String> csv = Files.readAllLines(report.resolve("load.csv"));
    assertEquals(2, csv.size(), csv.toString());
    assertTrue(csv.get(1).startsWith("cross-task,20.0," + step.sent() + "," + step.ok() + ","), csv.get(1));
    assertTrue(csv.get(1).endsWith(",123"), "RSS in MiB: " + csv.get(1));
    assertTrue(Files.readString(report.resolve("load.md")).contains("| cross-task | 20.0 |"));
    assertTrue(Files.size(report.resolve("latency-throughput.png")) > 1000);
  }

  @Test
  void badServeOptionsAreRefusedBeforeAnythingLoads() throws Exception {
    Path empty = Files.writeString(work.resolve("empty-token"), "  \n");
    CliRun noToken = run("serve", "--adapters", adapters.toString(), "--token-file", empty.toString());
    assertEquals(2, noToken.code(), noToken.err());
    assertTrue(noToken.err().contains("--token-file " + empty + " is empty"), noToken.err());
    CliRun strategy = run("serve", "--adapters", adapters.toString(), "--strategy", "fastest");
    assertEquals(2, strategy.code(), strategy.err());
    assertTrue(strategy.err().contains("--strategy must be cross-task, per-task or none, got fastest"), strategy.err());
    CliRun queue = run("serve", "--adapters", adapters.toString(), "--max-queue-rows", "8");
    assertEquals(2, queue.code(), queue.err());
    assertTrue(queue.err().contains("--max-request-texts (256) must not exceed --max-queue-rows (8)"), queue.err());
    CliRun missing = run("serve", "--adapters", work.resolve("no-such-folder").toString());
    assertEquals(2, missing.code(), missing.err());
    assertTrue(missing.err().contains("no-such-folder"), missing.err());
  }

  @Test
  void fuzzedBodiesNeverGetA500() throws Exception {
    start(options(BatchStrategy.CROSS_TASK, 1024, 64));
    Random random = new Random(23);
    String alphabet = "{}[]\":,\\ 0123456789.-eEtrufalsn\u00e9\ud83d\ude00texsakrow";
    for (int i = 0; i < 100; i++) {
      StringBuilder body = new StringBuilder(call(random).body());
      for (int edit = random.nextInt(4); edit > 0 && body.length() > 0; edit--) {
        int at = random.nextInt(body.length());
        if (random.nextBoolean()) {
          body.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
        } else {
          body.setLength(at);
        }
      }
      HttpResponse<String> response = post("/v1/predict", body.toString());
      assertTrue(List.of(200, 400, 404).contains(response.statusCode()),
          body + " got " + response.statusCode() + ": " + response.body());
    }
  }
}
