package dev.rankwise.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.function.IntSupplier;

/**
 * The server's metrics in a Micrometer Prometheus registry, scraped at {@code GET /metrics}:
 * requests by status, rows by task, rows and tasks per forward pass, queued rows, forward-pass time
 * and request latency by task (each task of a mixed request records the request's latency).
 */
public final class ServingMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final DistributionSummary batchRows;
  private final DistributionSummary batchTasks;
  private final Timer forward;

  /** Empty metrics; {@link #watchQueue} adds the queue's gauge. */
  public ServingMetrics() {
    batchRows = DistributionSummary.builder("rankwise.batch.rows").description("Rows per forward pass")
        .publishPercentileHistogram().register(registry);
    batchTasks = DistributionSummary.builder("rankwise.batch.tasks")
        .description("Distinct tasks per forward pass").register(registry);
    forward = Timer.builder("rankwise.forward").description("Time of one forward pass, tokenizing included")
        .publishPercentileHistogram().register(registry);
  }

  /** Adds the gauge of the rows waiting for a pass. */
  public void watchQueue(IntSupplier queuedRows) {
    Gauge.builder("rankwise.queue.rows", queuedRows::getAsInt).description("Rows waiting for a forward pass")
        .register(registry);
  }

  /** Counts a finished request by its HTTP status. */
  public void request(int status) {
    Counter.builder("rankwise.requests").description("Requests answered, by status")
        .tag("status", Integer.toString(status)).register(registry).increment();
  }

  /** Records a labelled request's latency for each of its tasks, and its rows by task. */
  public void labelled(Collection<String> tasks, java.util.Map<String, Integer> rowsByTask, Duration latency) {
    for (String task : tasks) {
      Timer.builder("rankwise.request.latency").description("Latency of answered predict requests, by task")
          .tag("task", task).publishPercentileHistogram().register(registry).record(latency);
    }
    rowsByTask.forEach((task, rows) -> Counter.builder("rankwise.rows").description("Rows labelled, by task")
        .tag("task", task).register(registry).increment(rows));
  }

  /** Records one forward pass. */
  public void batch(int rows, int tasks, Duration time) {
    batchRows.record(rows);
    batchTasks.record(tasks);
    forward.record(time);
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /** The Micrometer registry, to add metrics to. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
