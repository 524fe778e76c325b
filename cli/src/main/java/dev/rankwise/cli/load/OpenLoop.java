package dev.rankwise.cli.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load on one endpoint: requests leave on a Poisson schedule at a given rate whatever the
 * answers, so a slow server meets the same load as a fast one (no coordinated omission: a latency
 * counts from the moment the request was due, not from when it left). Bounded in count and time.
 */
public final class OpenLoop {

  /** What one rate step measured. */
  public record Step(double offeredRate, long sent, long ok, long tooMany, long unavailable, long otherStatus,
      long failed, long rows, double seconds, Histogram latencyMicros) {

    /** Answered 200s per second. */
    public double throughput() {
      return ok / seconds;
    }

    /** Share of requests answered 429. */
    public double tooManyShare() {
      return sent == 0 ? 0 : (double) tooMany / sent;
    }

    /** Share of requests answered 503 (past the deadline). */
    public double unavailableShare() {
      return sent == 0 ? 0 : (double) unavailable / sent;
    }

    /** A percentile of the 200s' latency in milliseconds, NaN if none was answered. */
    public double latencyMillis(double percentile) {
      return latencyMicros.getTotalCount() == 0 ? Double.NaN
          : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  /** A request body and how many texts it carries. */
  public record Body(String json, int rows) {}

  private final HttpClient client;
  private final URI predict;
  private final Duration drain;

  /**
   * Load on {@code predict}.
   *
   * @param drain how long to wait for the last answers after the last request left
   */
  public OpenLoop(HttpClient client, URI predict, Duration drain) {
    this.client = client;
    this.predict = predict;
    this.drain = drain;
  }

  /**
   * Sends requests at {@code rate} per second for {@code seconds}, bodies drawn by {@code bodies}.
   *
   * @return what the step measured; requests unanswered after the drain count as failed
   */
  public Step run(double rate, double seconds, Function<Random, Body> bodies, Random random)
      throws InterruptedException {
    ConcurrentHistogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
    AtomicLong ok = new AtomicLong();
    AtomicLong tooMany = new AtomicLong();
    AtomicLong unavailable = new AtomicLong();
    AtomicLong other = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong rows = new AtomicLong();
    AtomicLong lastAnswer = new AtomicLong();
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    double due = start;
    while (true) {
      due += -Math.log(1 - random.nextDouble()) / rate * 1e9;
      if (due >= end) {
        break;
      }
      long dueNanos = (long) due;
      Body body = bodies.apply(random);
      for (long wait = dueNanos - System.nanoTime(); wait > 0; wait = dueNanos - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      HttpRequest request = HttpRequest.newBuilder(predict).timeout(drain.plusSeconds((long) seconds))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.json())).build();
      inFlight.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
        long now = System.nanoTime();
        lastAnswer.accumulateAndGet(now, Math::max);
        if (error != null) {
          failed.incrementAndGet();
          return;
        }
        switch (response.statusCode()) {
          case 200 -> {
            ok.incrementAndGet();
            rows.addAndGet(body.rows());
            latency.recordValue(Math.max(0, (now - dueNanos) / 1000));
          }
          case 429 -> tooMany.incrementAndGet();
          case 503 -> unavailable.incrementAndGet();
          default -> other.incrementAndGet();
        }
      }));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new));
    try {
      all.get(drain.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      inFlight.forEach(future -> future.cancel(true));
    }
    long sent = inFlight.size();
    long answered = ok.get() + tooMany.get() + unavailable.get() + other.get();
    // Failed: an error instead of an answer, or no answer within the drain.
    long lost = sent - answered;
    double elapsed = Math.max(seconds, (lastAnswer.get() - start) / 1e9);
    return new Step(rate, sent, ok.get(), tooMany.get(), unavailable.get(), other.get(), lost, rows.get(), elapsed,
        latency);
  }
}
