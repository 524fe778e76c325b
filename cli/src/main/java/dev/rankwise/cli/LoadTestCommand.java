package dev.rankwise.cli;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.cli.job.TaskTexts;
import dev.rankwise.cli.load.LoadReport;
import dev.rankwise.cli.load.OpenLoop;
import dev.rankwise.reporting.Machine;
import dev.rankwise.reporting.MemorySample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The serving load benchmark: for each batching strategy, starts {@code rankwise serve} in its own
 * JVM on loopback and offers it open-loop load at rising rates, a mix of tasks and text lengths from
 * the data's test splits; writes throughput, latency percentiles, the share of 429s and the server's
 * resident memory per step (docs/SERVING.md).
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
    description = "Load-test rankwise serve on loopback: for each batching strategy a server in its own JVM, open-loop"
        + " requests at rising rates (mixed tasks and text lengths from --data's test splits); writes load.csv,"
        + " load.md and latency-throughput.png to --out.")
final class LoadTestCommand implements Callable<Integer>, WritesOutput {

  private static final Pattern LISTENING = Pattern.compile("on http://[^:]+:(\\d+)");

  @Mixin CommonOptions common;

  @Option(names = "--adapters", required = true, paramLabel = "[NAME=]DIR",
      description = "Adapter folder(s) to serve, as for serve; repeat for more.")
  List<String> adapters = new ArrayList<>();

  @Option(names = "--strategies", split = ",", paramLabel = "LIST", defaultValue = "cross-task,per-task,none",
      description = "Batching strategies to compare. Default: ${DEFAULT-VALUE}.")
  List<String> strategies;

  @Option(names = "--rates", split = ",", paramLabel = "LIST", defaultValue = "5,10,20,40",
      description = "Requests per second, one step each, rising. Default: ${DEFAULT-VALUE}.")
  List<Double> rates;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "15",
      description = "Seconds of load per step. Default: ${DEFAULT-VALUE}.")
  double seconds;

  @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "5",
      description = "Seconds of unrecorded load at the middle rate before the steps, so that the first step does not"
          + " pay for the JIT and PyTorch's first passes. Default: ${DEFAULT-VALUE}.")
  double warmupSeconds;

  @Option(names = "--max-texts", paramLabel = "N", defaultValue = "4",
      description = "Most texts per request (each request carries 1 to N). Default: ${DEFAULT-VALUE}.")
  int maxTexts;

  @Option(names = "--mixed-share", paramLabel = "F", defaultValue = "0.3",
      description = "Share of requests whose rows name different tasks. Default: ${DEFAULT-VALUE}.")
  double mixedShare;

  @Option(names = "--texts-per-task", paramLabel = "N", defaultValue = "300",
      description = "Test texts per task drawn from --data. Default: ${DEFAULT-VALUE}.")
  int textsPerTask;

  @Option(names = "--serve-option", paramLabel = "OPTION",
      description = "An option passed to every server, such as --serve-option=--max-wait-ms=10; repeat for more.")
  List<String> serveOptions = new ArrayList<>();

  @Override
  public Path outputFolder() {
    return common.out;
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    if (rates.stream().anyMatch(rate -> !(rate > 0)) || !(seconds > 0) || maxTexts < 1 || !(warmupSeconds >= 0)
        || !(mixedShare >= 0 && mixedShare <= 1) || textsPerTask < 1) {
      throw new IllegalArgumentException("--rates and --seconds must be positive, --warmup-seconds 0 or more,"
          + " --mixed-share from 0 to 1, --max-texts and --texts-per-task at least 1; got --rates " + rates
          + " --seconds " + seconds + " --warmup-seconds " + warmupSeconds + " --mixed-share " + mixedShare
          + " --max-texts " + maxTexts + " --texts-per-task " + textsPerTask);
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    Files.createDirectories(common.out);
    List<LoadReport.Row> rows = new ArrayList<>();
    Map<String, List<String>> textsByTask = null;
    String served = null;
    for (String strategy : strategies) {
      Process server = startServer(strategy);
      try {
        int port = awaitPort(server, common.out.resolve("server-" + strategy + ".log"));
        URI root = URI.create("http://127.0.0.1:" + port);
        if (textsByTask == null) {
          served = get(client, root.resolve("/v1/tasks"));
          textsByTask = texts(JsonParser.parseString(served).getAsJsonObject());
        }
        Map<String, List<String>> texts = textsByTask;
        OpenLoop load = new OpenLoop(client, root.resolve("/v1/predict"), Duration.ofSeconds(30));
        if (warmupSeconds > 0) {
          load.run(rates.get(rates.size() / 2), warmupSeconds, random -> body(random, texts), new Random(~common.seed));
        }
        for (double rate : rates) {
          OpenLoop.Step step = load.run(rate, seconds, random -> body(random, texts), new Random(common.seed));
          long resident = MemorySample.residentBytes(server.toHandle());
          rows.add(new LoadReport.Row(strategy, step, resident));
          System.out.printf(Locale.ROOT, "%-10s %6.1f req/s offered: %6.1f answered/s, p50 %5.0f ms, p99 %5.0f ms,"
              + " 429s %4.1f%%, 503s %4.1f%%, failed %d, server RSS %d MiB%n", strategy, rate, step.throughput(),
              step.latencyMillis(50), step.latencyMillis(99), 100 * step.tooManyShare(),
              100 * step.unavailableShare(), step.failed(), resident >> 20);
        }
      } finally {
        server.destroy();
        if (!server.waitFor(2, TimeUnit.MINUTES)) {
          server.destroyForcibly();
        } else if (server.exitValue() != 0) {
          System.err.println("rankwise: the " + strategy + " server exited with " + server.exitValue() + "; see "
              + common.out.resolve("server-" + strategy + ".log"));
        }
      }
    }
    LoadReport.write(common.out, header(served), rows);
    System.out.println("rankwise: wrote " + common.out.resolve("load.md") + ", load.csv and latency-throughput.png");
    return 0;
  }

  private Process startServer(String strategy) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch", "-Djava.awt.headless=true",
        "-cp", System.getProperty("java.class.path"), RankwiseCli.class.getName(), "serve", "--port", "0",
        "--strategy", strategy, "--threads", System.getProperty("ai.djl.pytorch.num_threads")));
    for (String adapter : adapters) {
      command.add("--adapters");
      command.add(adapter);
    }
    command.addAll(serveOptions);
    ProcessBuilder server = new ProcessBuilder(command).redirectErrorStream(true);
    // The load carries no token: a token in the environment would make every request a 401.
    server.environment().remove(ServeCommand.TOKEN_VARIABLE);
    return server.start();
  }

  /** Reads the server's output into its log until it prints its port; the rest goes on in the background. */
  private static int awaitPort(Process server, Path log) throws IOException, InterruptedException {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
          var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          out.write(line);
          out.newLine();
          out.flush();
          Matcher listening = LISTENING.matcher(line);
          if (listening.find()) {
            port.complete(Integer.parseInt(listening.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IOException("the server exited before listening; see " + log));
    }, "rankwise-loadtest-server-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return port.get(5, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("the server did not start listening: " + e.getMessage() + "; see " + log, e);
    }
  }

  private static String get(HttpClient client, URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(uri + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /** Each served task's test texts from --data. */
  private Map<String, List<String>> texts(JsonObject tasks) throws IOException {
    List<String> names = new ArrayList<>();
    for (JsonElement task : tasks.getAsJsonArray("tasks")) {
      names.add(task.getAsJsonObject().get("task").getAsString());
    }
    Map<String, List<String>> texts = new LinkedHashMap<>();
    for (TaskTexts task : TaskTexts.read(common.data, names, 1, textsPerTask, common.seed)) {
      List<String> usable = task.testTexts().stream().filter(text -> !text.isBlank()).toList();
      if (usable.isEmpty()) {
        throw new IllegalArgumentException("task " + task.name() + " has no test texts under " + common.data);
      }
      texts.put(task.name(), usable);
    }
    return texts;
  }

  /** One task's 1 to --max-texts texts, or (--mixed-share of the time) rows of random tasks. */
  private OpenLoop.Body body(Random random, Map<String, List<String>> texts) {
    List<String> tasks = new ArrayList<>(texts.keySet());
    int count = 1 + random.nextInt(maxTexts);
    Gson gson = new Gson();
    if (random.nextDouble() < mixedShare && tasks.size() > 1) {
      List<Map<String, String>> rows = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String task = tasks.get(random.nextInt(tasks.size()));
        List<String> pool = texts.get(task);
        rows.add(Map.of("task", task, "text", pool.get(random.nextInt(pool.size()))));
      }
      return new OpenLoop.Body(gson.toJson(Map.of("rows", rows)), count);
    }
    String task = tasks.get(random.nextInt(tasks.size()));
    List<String> pool = texts.get(task);
    List<String> chosen = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      chosen.add(pool.get(random.nextInt(pool.size())));
    }
    return new OpenLoop.Body(gson.toJson(Map.of("task", task, "texts", chosen)), count);
  }

  /** Each folder's name, base, max length and tasks, as /v1/tasks tells them (not its path). */
  private static String served(String tasks) {
    List<String> folders = new ArrayList<>();
    for (JsonElement folder : JsonParser.parseString(tasks).getAsJsonObject().getAsJsonArray("adapters")) {
      JsonObject one = folder.getAsJsonObject();
      folders.add(one.get("name").getAsString() + " on " + one.get("base").getAsString() + ", max length "
          + one.get("maxLength").getAsInt() + ", tasks " + one.get("tasks"));
    }
    return String.join("; ", folders);
  }

  private String header(String served) {
    return "# rankwise serve under open-loop load\n\n"
        + "- machine: " + Machine.describe() + "\n"
        + "- run: " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "; load generator and server"
        + " on the same machine, over loopback\n"
        + "- load: Poisson arrivals, " + seconds + " s per rate after " + warmupSeconds + " s of warm-up, 1 to " + maxTexts + " texts per request, "
        + Math.round(100 * mixedShare) + "% of requests mixing tasks, texts from the test splits under " + common.data
        + "\n- servers: " + String.join(" ", adapters.stream().map(a -> "--adapters " + a).toList())
        + (serveOptions.isEmpty() ? "" : " " + String.join(" ", serveOptions)) + "\n- served: " + served(served) + "\n"
        + "- latency counts from when a request was due (open loop), for 200s only; 'failed' is no answer at all";
  }
}
