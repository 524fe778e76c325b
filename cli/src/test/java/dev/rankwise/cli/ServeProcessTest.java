package dev.rankwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rankwise serve} in its own JVM stopped by SIGTERM under load: it closes its port, answers
 * every request it accepted, and exits 0. The server counts what it accepted and answered; every one
 * of those answers must have reached a client as a 200. Its token comes from a file.
 */
@Timeout(180)
class ServeProcessTest {

  private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern STOPPED = Pattern.compile("stopped: (\\d+) requests accepted, (\\d+) answered");

  @TempDir Path work;

  @Test
  void sigtermUnderLoadAnswersEveryAcceptedRequestAndExitsZero() throws Exception {

    Path token = work.resolve("token.txt");
    Files.writeString(token, "s3cret-token\n");
    Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch", "-cp", System.getProperty("java.class.path"),
        RankwiseCli.class.getName(), "serve", "--adapters", ServeFixture.adapters().toString(),
        "--port", "0", "--threads", "1", "--deadline-ms", "60000", "--token-file", token.toString(), "--host", "127.0.0.1")
        .redirectOutput(work.resolve("serve.out").toFile()).redirectError(work.resolve("serve.err").toFile()).start();
    Path stdout = work.resolve("serve.out");
    CompletableFuture<Integer> port = new CompletableFuture<>();
    try {
      for (int wait = 0; wait < 1200 && !port.isDone() && server.isAlive(); wait++) {
        Matcher listening = LISTENING.matcher(Files.readString(stdout));
        if (listening.find()) {
          port.complete(Integer.parseInt(listening.group(1)));
        }
        Thread.sleep(100);
      }
      assertTrue(port.isDone(), "the server did not start listening: " + Files.readString(stdout)
          + Files.readString(work.resolve("serve.err")));
      URI predict = URI.create("http://127.0.0.1:" + port.get() + "/v1/predict");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger refusedConnections = new AtomicInteger();
      ConcurrentHashMap<String, Integer> otherOutcomes = new ConcurrentHashMap<>();
      ExecutorService clients = Executors.newFixedThreadPool(6);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        String body = "{\"rows\": [{\"task\": \"spam\", \"text\": \"WIN a prize " + c + "\"}, {\"task\": \"finefood\","
            + " \"text\": \"Tasty and fresh, " + c + " stars\"}]}";
        done.add(clients.submit(() -> {
          for (int i = 0; i < 400; i++) {
            try {
              HttpResponse<String> response = client.send(HttpRequest.newBuilder(predict).timeout(Duration.ofSeconds(90))
                  .header("Authorization", "Bearer s3cret-token")
                  .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
              if (response.statusCode() == 200 && response.body().contains("\"task\":\"finefood\"")) {
                ok.incrementAndGet();
              } else {
                otherOutcomes.merge(response.statusCode() + " " + response.body(), 1, Integer::sum);
              }
            } catch (ConnectException closed) {
              refusedConnections.incrementAndGet();
              return null;
            } catch (IOException dropped) {
              // A request sent on a kept-alive connection as the server closed it: never read, never accepted.
              otherOutcomes.merge(dropped.getClass().getSimpleName(), 1, Integer::sum);
            }
          }
          return null;
        }));
      }
      for (int wait = 0; wait < 600 && ok.get() < 12; wait++) {
        Thread.sleep(100);
      }
      assertTrue(ok.get() >= 12, "the server answered under load: " + ok.get() + " " + otherOutcomes);
      server.destroy();
      assertTrue(server.waitFor(120, TimeUnit.SECONDS), "the server did not stop after SIGTERM");
      for (Future<?> sender : done) {
        sender.get(120, TimeUnit.SECONDS);
      }
      clients.shutdown();
      String printed = Files.readString(stdout) + Files.readString(work.resolve("serve.err"));
      assertEquals(0, server.exitValue(), printed);
      assertTrue(printed.contains("every call but /health and /ready needs the bearer token"), printed);
      Matcher counts = STOPPED.matcher(printed);
      assertTrue(counts.find(), "the server said what it accepted: " + printed);
      String stopped = counts.group();
      long accepted = Long.parseLong(counts.group(1));
      assertEquals(accepted, Long.parseLong(counts.group(2)), "every accepted request was answered: " + stopped);
      assertEquals(accepted, ok.get(), "every answer reached its client as a 200: " + stopped + "; also " + otherOutcomes);
      assertTrue(refusedConnections.get() > 0, "the clients found the port closed after the stop");
    } finally {
      server.destroyForcibly();
    }
  }
}
