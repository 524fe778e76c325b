package dev.rankwise.cli;

import dev.rankwise.serving.AdapterLoader;
import dev.rankwise.serving.AdapterRegistry;
import dev.rankwise.serving.BatchStrategy;
import dev.rankwise.serving.BatchingOptions;
import dev.rankwise.serving.Server;
import dev.rankwise.serving.ServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** Serves saved adapters over HTTP until SIGTERM or Ctrl-C (docs/SERVING.md). */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve saved adapters over HTTP: POST /v1/predict, GET /v1/tasks, POST/DELETE /v1/adapters/{name},"
        + " GET /health, /ready, /metrics (docs/SERVING.md). Rows of any tasks of one folder share a forward pass."
        + " SIGTERM stops it gracefully: no new connections, every accepted request answered, exit 0.")
final class ServeCommand implements Callable<Integer> {

  /** The environment variable a bearer token may come from. */
  static final String TOKEN_VARIABLE = "RANKWISE_TOKEN";

  @Mixin CommonOptions common;
  @Mixin BaseOptions base;

  @Option(names = "--adapters", required = true, paramLabel = "[NAME=]DIR",
      description = "An adapter folder to serve, under NAME (default: the folder's name); repeat for more. Task names"
          + " must be unique across the folders.")
  List<String> adapters = new ArrayList<>();

  @Option(names = "--max-length", paramLabel = "N",
      description = "Tokens per text (default: as many as each folder's adapters were trained with).")
  Integer maxLength;

  @Option(names = "--host", paramLabel = "ADDRESS",
      description = "Address to bind (default: 127.0.0.1, loopback only, without a token; 0.0.0.0 with one).")
  String host;

  @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
      description = "Port (0: any free one, printed at start). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding the bearer token every call but /health and /ready must carry (default: the"
          + " environment variable " + TOKEN_VARIABLE + " if set, else no token).")
  Path tokenFile;

  @Option(names = "--strategy", paramLabel = "NAME", defaultValue = "cross-task",
      description = "Which rows share a forward pass: cross-task (any tasks of a folder), per-task, or none (one"
          + " request per pass). Default: ${DEFAULT-VALUE}.")
  String strategy;

  @Option(names = "--max-batch-rows", paramLabel = "N", defaultValue = "16",
      description = "Most rows in one forward pass. Default: ${DEFAULT-VALUE}.")
  int maxBatchRows;

  @Option(names = "--max-batch-tokens", paramLabel = "N", defaultValue = "8192",
      description = "Most tokens in one forward pass; a row counts its folder's max length, to which every row is"
          + " padded. Default: ${DEFAULT-VALUE}.")
  int maxBatchTokens;

  @Option(names = "--max-wait-ms", paramLabel = "MS", defaultValue = "5",
      description = "How long the oldest queued row waits for a fuller pass. Default: ${DEFAULT-VALUE}.")
  long maxWaitMs;

  @Option(names = "--max-queue-rows", paramLabel = "N", defaultValue = "2048",
      description = "Most rows waiting; a request beyond is answered 429 with Retry-After. Default: ${DEFAULT-VALUE}.")
  int maxQueueRows;

  @Option(names = "--max-request-texts", paramLabel = "N", defaultValue = "256",
      description = "Most texts in one request (more: 413). Default: ${DEFAULT-VALUE}.")
  int maxRequestTexts;

  @Option(names = "--max-body-bytes", paramLabel = "N", defaultValue = "1048576",
      description = "Largest request body (larger: 413). Default: ${DEFAULT-VALUE}.")
  int maxBodyBytes;

  @Option(names = "--deadline-ms", paramLabel = "MS", defaultValue = "10000",
      description = "How long a predict request may take from its arrival (longer: 503). Default: ${DEFAULT-VALUE}.")
  long deadlineMs;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
      description = "Threads running forward passes (PyTorch uses --threads cores within each). Default:"
          + " ${DEFAULT-VALUE}.")
  int workers;

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    requireOptions();
    Optional<String> token = token();
    String bind = host != null ? host : token.isPresent() ? "0.0.0.0" : "127.0.0.1";
    ServerOptions options = new ServerOptions(bind, port, token, maxBodyBytes, maxRequestTexts,
        Duration.ofMillis(deadlineMs), new BatchingOptions(strategy(), maxBatchRows, maxBatchTokens,
            Duration.ofMillis(maxWaitMs), maxQueueRows, workers));
    if (!options.loopbackOnly() && token.isEmpty()) {
      System.err.println("rankwise: warning: serving " + bind + " without a bearer token: anyone who reaches it may"
          + " load and unload adapter folders; give --token-file or " + TOKEN_VARIABLE);
    }
    AdapterRegistry registry = new AdapterRegistry(AdapterLoader.classifiers(base.forAdapters().name(), maxLength));
    try {
      for (String adapter : adapters) {
        int equals = adapter.indexOf('=');
        Path folder = Path.of(equals > 0 ? adapter.substring(equals + 1) : adapter);
        String name = equals > 0 ? adapter.substring(0, equals) : folderName(folder);
        registry.load(name, folder);
      }
    } catch (IOException | RuntimeException e) {
      registry.close();
      throw e;
    }
    AtomicInteger exitCode = new AtomicInteger(-1);
    CountDownLatch stop = new CountDownLatch(1);
    List<Runnable> restore = listenForStop(exitCode, stop);
    Server server;
    try {
      server = Server.start(options, registry);
    } catch (RuntimeException e) {
      registry.close();
      restore.forEach(Runnable::run);
      throw e;
    }
    System.out.println("rankwise: serving tasks " + registry.tasks() + " of " + registry.names().size()
        + " adapter folder(s) on http://" + bind + ":" + server.port() + " (" + options.batching().strategy()
        .name().toLowerCase(Locale.ROOT).replace('_', '-') + " batching)");
    System.out.println(token.isPresent() ? "rankwise: every call but /health and /ready needs the bearer token"
        : options.loopbackOnly() ? "rankwise: loopback only and no token; give --token-file or " + TOKEN_VARIABLE
            + " (and --host) to serve other machines" : "rankwise: no token");
    System.out.flush();
    stop.await();
    System.out.println("rankwise: stopping: closed to new connections, answering the accepted requests...");
    server.stop();
    restore.forEach(Runnable::run);
    System.out.println("rankwise: stopped: " + server.accepted() + " requests accepted, " + server.answered()
        + " answered");
    return exitCode.get();
  }

  /** SIGTERM stops with 0, Ctrl-C with 130; where signals cannot be caught, a shutdown hook stops. */
  private static List<Runnable> listenForStop(AtomicInteger exitCode, CountDownLatch stop) {
    List<Runnable> restore = new ArrayList<>();
    try {
      for (String name : List.of("TERM", "INT")) {
        int code = name.equals("TERM") ? RankwiseCli.OK : RankwiseCli.INTERRUPTED;
        Signal signal = new Signal(name);
        var previous = Signal.handle(signal, received -> {
          exitCode.compareAndSet(-1, code);
          stop.countDown();
        });
        restore.add(() -> Signal.handle(signal, previous));
      }
    } catch (IllegalArgumentException | LinkageError refused) {
      restore.forEach(Runnable::run);
      restore.clear();
      CountDownLatch stopped = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        exitCode.compareAndSet(-1, RankwiseCli.OK);
        stop.countDown();
        try {
          stopped.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "rankwise-serve-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      restore.add(stopped::countDown);
    }
    return restore;
  }

  /** Checks the numbers by their option names (the library's own checks name its fields). */
  private void requireOptions() {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be 0 to 65535, got " + port);
    }
    int[] positive = {maxBatchRows, maxBatchTokens, maxQueueRows, maxRequestTexts, maxBodyBytes, workers};
    String[] names = {"--max-batch-rows", "--max-batch-tokens", "--max-queue-rows", "--max-request-texts",
        "--max-body-bytes", "--workers"};
    for (int i = 0; i < names.length; i++) {
      if (positive[i] < 1) {
        throw new IllegalArgumentException(names[i] + " must be at least 1, got " + positive[i]);
      }
    }
    if (maxRequestTexts > maxQueueRows) {
      throw new IllegalArgumentException("--max-request-texts (" + maxRequestTexts + ") must not exceed"
          + " --max-queue-rows (" + maxQueueRows + "): such a request could never be queued");
    }
    if (maxWaitMs < 0 || deadlineMs < 1) {
      throw new IllegalArgumentException("--max-wait-ms must be 0 or more and --deadline-ms at least 1, got "
          + maxWaitMs + " and " + deadlineMs);
    }
  }

  private Optional<String> token() throws IOException {
    if (tokenFile != null) {
      String value = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      if (value.isEmpty()) {
        throw new IllegalArgumentException("--token-file " + tokenFile + " is empty");
      }
      return Optional.of(value);
    }
    String variable = System.getenv(TOKEN_VARIABLE);
    return variable == null || variable.isBlank() ? Optional.empty() : Optional.of(variable.strip());
  }

  private BatchStrategy strategy() {
    try {
      return BatchStrategy.valueOf(strategy.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--strategy must be cross-task, per-task or none, got " + strategy);
    }
  }

  private static String folderName(Path folder) {
    Path name = folder.toAbsolutePath().normalize().getFileName();
    return name == null ? "adapters" : name.toString().replaceAll("[^A-Za-z0-9._-]", "-");
  }
}
