package dev.rankwise.serving;

import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Adapter folders without a model, for the batcher's and the server's own behaviour: a pass labels
 * each row by its text's length and records its rows; a gate can hold passes.
 */
final class FakeAdapters {

  /** Rows of each pass, in the order the passes ran. */
  final List<List<TaskText>> passes = Collections.synchronizedList(new ArrayList<>());
  /** While closed, passes wait (at most 30 s). */
  volatile CountDownLatch gate = new CountDownLatch(0);
  final AtomicBoolean closed = new AtomicBoolean();
  /** How long each pass takes, after the gate. */
  volatile long passMillis;
  /** Released once per pass as it starts, before the gate. */
  final Semaphore entered = new Semaphore(0);

  /** A folder of the tasks spam (ham, spam) and mood (calm, alarm) with rows of {@code maxLength} tokens. */
  ServedAdapter adapter(String name, int maxLength, String... tasks) {
    Map<String, List<String>> labels = new java.util.LinkedHashMap<>();
    for (String task : tasks.length == 0 ? new String[] {"spam", "mood"} : tasks) {
      labels.put(task, task.equals("spam") ? List.of("ham", "spam") : List.of("calm", "alarm"));
    }
    return new ServedAdapter(name, Path.of(name), "fake-base", labels, maxLength, rows -> {
      entered.release();
      try {
        if (!gate.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test's gate stayed closed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (passMillis > 0) {
        try {
          Thread.sleep(passMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      passes.add(List.copyOf(rows));
      List<Prediction> answers = new ArrayList<>();
      for (TaskText row : rows) {
        answers.add(expected(labels.get(row.task()), row));
      }
      return answers;
    }, () -> closed.set(true));
  }

  /** The fake's answer for a row: the second label's probability grows with the text's length. */
  static Prediction expected(List<String> labels, TaskText row) {
    float second = Math.min(0.99f, row.text().length() / 100f);
    float[] probabilities = {1 - second, second};
    int best = second > 0.5f ? 1 : 0;
    return new Prediction(row.task(), labels.get(best), probabilities[best], labels, probabilities);
  }
}
