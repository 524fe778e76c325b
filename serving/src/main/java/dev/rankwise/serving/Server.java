package dev.rankwise.serving;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskText;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint on Javalin: {@code POST /v1/predict}, {@code GET /v1/tasks}, {@code POST} and
 * {@code DELETE /v1/adapters/{name}}, {@code GET /health}, {@code /ready} and {@code /metrics}. It
 * reads and checks requests ({@link PredictApi}), queues their rows ({@link Batcher}) and answers when
 * they are labelled. Limits: bodies up to {@link ServerOptions#maxBodyBytes} (413), a bounded queue
 * (429 with {@code Retry-After}), a deadline per request (503). With a token, every call but the
 * health checks must carry {@code Authorization: Bearer <token>} (401).
 *
 * <p>{@link #stop} is graceful: the port closes to new connections, every accepted request is
 * answered, then the queue drains and the folders close.
 */
public final class Server implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Server.class);

  /** The longest a stop waits for accepted requests. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(60);

  private static final String JSON = "application/json";

  private final ServerOptions options;
  private final AdapterRegistry adapters;
  private final ServingMetrics metrics;
  private final Batcher batcher;
  private final byte[] token;
  private final Javalin app;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private volatile boolean stopping;

  private Server(ServerOptions options, AdapterRegistry adapters) {
    this.options = options;
    this.adapters = adapters;
    this.metrics = new ServingMetrics();
    this.batcher = new Batcher(options.batching(), metrics::batch);
    metrics.watchQueue(batcher::queuedRows);
    this.token = options.token().map(value -> value.getBytes(StandardCharsets.UTF_8)).orElse(null);
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.maxRequestSize = options.maxBodyBytes();
      config.jetty.host = options.host();
      config.jetty.port = options.port();
      config.jetty.modifyServer(server -> {
        // Stop closes the port, then waits for the exchanges in flight: accepted requests are answered.
        server.setHandler(new GracefulHandler());
        server.setStopTimeout(STOP_GRACE.toMillis());
      });
      config.requestLogger.http((ctx, millis) -> metrics.request(ctx.statusCode()));
      config.routes.before(this::authorize);
      config.routes.get("/health", ctx -> json(ctx, 200, Map.of("status", "up")));
      config.routes.get("/ready", this::ready);
      config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
          .result(metrics.scrape()));
      config.routes.get("/v1/tasks", this::tasks);
      config.routes.post("/v1/predict", this::predict);
      config.routes.post("/v1/adapters/{name}", this::loadAdapter);
      config.routes.delete("/v1/adapters/{name}", this::unloadAdapter);
      config.routes.exception(ApiException.class, (e, ctx) -> refuse(ctx, e));
      config.routes.exception(HttpResponseException.class,
          (e, ctx) -> refuse(ctx, new ApiException(e.getStatus(), e.getMessage())));
      config.routes.exception(Exception.class, (e, ctx) -> {
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        refuse(ctx, new ApiException(500, "internal error: " + e));
      });
    });
  }

  /**
   * Starts serving the registry's folders.
   *
   * @throws io.javalin.util.JavalinException if the port cannot be bound
   */
  public static Server start(ServerOptions options, AdapterRegistry adapters) {
    Server server = new Server(options, adapters);
    try {
      server.app.start();
    } catch (RuntimeException e) {
      server.batcher.close();
      throw e;
    }
    return server;
  }

  /** The port it listens on. */
  public int port() {
    return app.port();
  }

  /** The metrics it serves at {@code /metrics}. */
  public ServingMetrics metrics() {
    return metrics;
  }

  /** Predict requests queued so far (refused ones not counted). */
  public long accepted() {
    return accepted.get();
  }

  /** Accepted predict requests answered so far: labelled, or past their deadline. */
  public long answered() {
    return answered.get();
  }

  /** The folders it serves. */
  public AdapterRegistry adapters() {
    return adapters;
  }

  /**
   * Stops gracefully: {@code /ready} answers 503, the port closes, the requests already accepted are
   * answered (up to a minute), the queue drains and the folders close. A second call does nothing.
   */
  public void stop() {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    app.stop();
    batcher.close();
    adapters.close();
  }

  @Override
  public void close() {
    stop();
  }

  private void authorize(Context ctx) {
    if (token == null || ctx.path().equals("/health") || ctx.path().equals("/ready")) {
      return;
    }
    String header = ctx.header("Authorization");
    byte[] given = header != null && header.startsWith("Bearer ")
        ? header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (!MessageDigest.isEqual(given, token)) {
      throw new ApiException(401, "Authorization: a bearer token is required (Authorization: Bearer <token>)",
          Map.of(), Map.of("WWW-Authenticate", "Bearer"));
    }
  }

  private void ready(Context ctx) {
    List<String> tasks = adapters.tasks();
    if (stopping) {
      json(ctx, 503, Map.of("status", "stopping"));
    } else if (tasks.isEmpty()) {
      json(ctx, 503, Map.of("status", "no adapters loaded"));
    } else {
      json(ctx, 200, Map.of("status", "ready", "tasks", tasks));
    }
  }

  private void tasks(Context ctx) {
    List<Map<String, Object>> tasks = new ArrayList<>();
    List<Map<String, Object>> folders = new ArrayList<>();
    for (ServedAdapter adapter : adapters.adapters()) {
      for (String task : adapter.tasks()) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("task", task);
        one.put("labels", adapter.labels(task));
        one.put("adapters", adapter.name());
        tasks.add(one);
      }
      Map<String, Object> folder = new LinkedHashMap<>();
      folder.put("name", adapter.name());
      folder.put("folder", adapter.folder().toString());
      folder.put("base", adapter.base());
      folder.put("maxLength", adapter.maxLength());
      folder.put("tasks", adapter.tasks());
      folders.add(folder);
    }
    json(ctx, 200, Map.of("tasks", tasks, "adapters", folders));
  }

  private void predict(Context ctx) throws IOException {
    long arrived = System.nanoTime();
    PredictApi.Rows request = PredictApi.read(body(ctx), options.maxRequestRows());
    List<Batcher.Part> parts = parts(request);
    List<CompletableFuture<List<Prediction>>> futures;
    try {
      futures = batcher.submit(parts, options.deadline());
    } catch (Batcher.QueueFullException e) {
      throw new ApiException(429, e.getMessage() + "; retry later", Map.of(),
          Map.of("Retry-After", Long.toString(e.retryAfterSeconds())));
    } catch (Batcher.StoppedException e) {
      throw new ApiException(503, e.getMessage(), Map.of(), Map.of("Connection", "close"));
    }
    accepted.incrementAndGet();
    long left = options.deadline().toNanos() - (System.nanoTime() - arrived);
    CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .orTimeout(Math.max(1, left), TimeUnit.NANOSECONDS);
    ctx.future(() -> all.handle((done, failure) -> {
      answered.incrementAndGet();
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof Batcher.DeadlineExceededException || cause instanceof TimeoutException) {
          refuse(ctx, new ApiException(503, new Batcher.DeadlineExceededException(options.deadline()).getMessage(),
              Map.of(), Map.of("Retry-After", "1")));
        } else {
          LOG.error("labelling a request failed", cause);
          refuse(ctx, new ApiException(500, "internal error: " + cause));
        }
        return null;
      }
      List<Prediction> predictions = inRequestOrder(request.rows(), parts, futures);
      json(ctx, 200, null).result(PredictApi.write(predictions));
      Map<String, Integer> rowsByTask = new LinkedHashMap<>();
      request.rows().forEach(row -> rowsByTask.merge(row.task(), 1, Integer::sum));
      metrics.labelled(rowsByTask.keySet(), rowsByTask, Duration.ofNanos(System.nanoTime() - arrived));
      return null;
    }));
  }

  /** The rows by folder, a reference to each folder taken; an unknown task is a 404. */
  private List<Batcher.Part> parts(PredictApi.Rows request) {
    Map<String, ServedAdapter> byTask = new LinkedHashMap<>();
    Map<ServedAdapter, List<TaskText>> byAdapter = new IdentityHashMap<>();
    List<ServedAdapter> order = new ArrayList<>();
    try {
      for (int i = 0; i < request.rows().size(); i++) {
        TaskText row = request.rows().get(i);
        ServedAdapter adapter = byTask.get(row.task());
        if (adapter == null) {
          Optional<ServedAdapter> found = adapters.acquire(row.task());
          if (found.isEmpty()) {
            throw ApiException.unknownTask(request.fields().get(i), row.task(), adapters.tasks());
          }
          adapter = found.get();
          if (byAdapter.containsKey(adapter)) {
            adapter.release();
          } else {
            byAdapter.put(adapter, new ArrayList<>());
            order.add(adapter);
          }
          byTask.put(row.task(), adapter);
        }
        byAdapter.get(adapter).add(row);
      }
    } catch (RuntimeException e) {
      order.forEach(ServedAdapter::release);
      throw e;
    }
    List<Batcher.Part> parts = new ArrayList<>();
    order.forEach(adapter -> parts.add(new Batcher.Part(adapter, byAdapter.get(adapter))));
    return parts;
  }

  /** The parts' predictions back in the request's row order. */
  private static List<Prediction> inRequestOrder(List<TaskText> rows, List<Batcher.Part> parts,
      List<CompletableFuture<List<Prediction>>> futures) {
    if (parts.size() == 1) {
      return futures.get(0).join();
    }
    Map<String, Integer> partOfTask = new LinkedHashMap<>();
    for (int p = 0; p < parts.size(); p++) {
      for (TaskText row : parts.get(p).rows()) {
        partOfTask.put(row.task(), p);
      }
    }
    int[] next = new int[parts.size()];
    Prediction[] ordered = new Prediction[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      int p = partOfTask.get(rows.get(i).task());
      ordered[i] = futures.get(p).join().get(next[p]++);
    }
    return Arrays.asList(ordered);
  }

  private void loadAdapter(Context ctx) throws IOException {
    String name = ctx.pathParam("name");
    JsonElement body;
    try {
      body = com.google.gson.JsonParser.parseString(body(ctx));
    } catch (RuntimeException e) {
      throw ApiException.badRequest("body: malformed JSON: " + e.getMessage());
    }
    if (!body.isJsonObject() || !body.getAsJsonObject().has("folder")) {
      throw ApiException.badRequest("folder: missing; send {\"folder\": \"<adapter folder>\"}");
    }
    JsonObject object = body.getAsJsonObject();
    if (!object.get("folder").isJsonPrimitive() || !object.getAsJsonPrimitive("folder").isString()) {
      throw ApiException.badRequest("folder: must be a string");
    }
    Path folder;
    try {
      folder = Path.of(object.get("folder").getAsString());
    } catch (RuntimeException e) {
      throw ApiException.badRequest("folder: not a path: " + e.getMessage());
    }
    AdapterRegistry.Loaded loaded;
    try {
      loaded = adapters.load(name, folder);
    } catch (IllegalArgumentException e) {
      throw new ApiException(e.getMessage() != null && e.getMessage().contains("already served by") ? 409 : 400,
          "adapters '" + name + "' not loaded: " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      throw ApiException.badRequest("adapters '" + name + "' not loaded from " + folder + ": " + e);
    }
    ServedAdapter adapter = adapters.adapter(name).orElseThrow();
    json(ctx, loaded == AdapterRegistry.Loaded.ADDED ? 201 : 200, Map.of("name", name, "folder",
        adapter.folder().toString(), "tasks", adapter.tasks(), "replaced", loaded == AdapterRegistry.Loaded.REPLACED));
  }

  private void unloadAdapter(Context ctx) {
    String name = ctx.pathParam("name");
    if (!adapters.unload(name)) {
      throw new ApiException(404, "no adapters named '" + name + "'; the served ones are " + adapters.names(),
          Map.of("adapters", adapters.names()), Map.of());
    }
    json(ctx, 200, Map.of("name", name, "unloaded", true));
  }

  /** The body, read up to the limit: a longer one is refused with 413 whatever its headers say. */
  private String body(Context ctx) throws IOException {
    long declared = ctx.contentLength();
    if (declared > options.maxBodyBytes()) {
      throw tooLarge();
    }
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try (InputStream in = ctx.bodyInputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        read.write(buffer, 0, n);
        if (read.size() > options.maxBodyBytes()) {
          throw tooLarge();
        }
      }
    }
    byte[] bytes = read.toByteArray();
    java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
    try {
      return decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw ApiException.badRequest("body: not UTF-8");
    }
  }

  private ApiException tooLarge() {
    return new ApiException(413, "body: larger than " + options.maxBodyBytes() + " bytes");
  }

  private static Context json(Context ctx, int status, Object body) {
    ctx.status(status).contentType(JSON);
    if (body != null) {
      ctx.result(PredictApi.GSON.toJson(body));
    }
    return ctx;
  }

  private static void refuse(Context ctx, ApiException e) {
    e.headers().forEach(ctx::header);
    ctx.status(e.status()).contentType(JSON).result(PredictApi.error(e.getMessage(), e.details()));
  }
}
