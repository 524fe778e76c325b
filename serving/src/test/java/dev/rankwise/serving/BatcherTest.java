package dev.rankwise.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which rows share a forward pass under each strategy and budget, and what the queue refuses. */
@Timeout(60)
class BatcherTest {

  private static final Duration LONG = Duration.ofSeconds(30);

  private final FakeAdapters fake = new FakeAdapters();

  private static BatchingOptions options(BatchStrategy strategy, int rows, int tokens, int queue) {
    return new BatchingOptions(strategy, rows, tokens, Duration.ZERO, queue, 1);
  }

  private static List<TaskText> rows(String task, int count) {
    List<TaskText> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(new TaskText(task, task + " text " + i));
    }
    return rows;
  }

  private static CompletableFuture<List<Prediction>> submit(Batcher batcher, ServedAdapter adapter, List<TaskText> rows)
      throws Exception {
    adapter.acquire();
    return batcher.submit(List.of(new Batcher.Part(adapter, rows)), LONG).get(0);
  }

  /** A pass of one row holds the worker while two requests of two tasks queue behind it. */
  private List<List<TaskText>> passesAfterABlockedOne(BatchStrategy strategy) throws Exception {
    ServedAdapter adapter = fake.adapter("a", 16);
    try (Batcher batcher = new Batcher(options(strategy, 64, 1 << 20, 100), (rows, tasks, time) -> { })) {
      fake.gate = new CountDownLatch(1);
      CompletableFuture<List<Prediction>> first = submit(batcher, adapter, rows("spam", 1));
      while (batcher.queuedRows() > 0) {
        Thread.onSpinWait();
      }
      CompletableFuture<List<Prediction>> spam = submit(batcher, adapter, rows("spam", 2));
      CompletableFuture<List<Prediction>> mixed = submit(batcher, adapter,
          List.of(new TaskText("mood", "calm day"), new TaskText("spam", "WIN"), new TaskText("mood", "fire!")));
      fake.gate.countDown();
      assertEquals(1, first.get(30, TimeUnit.SECONDS).size());
      assertEquals(2, spam.get(30, TimeUnit.SECONDS).size());
      List<Prediction> answers = mixed.get(30, TimeUnit.SECONDS);
      assertEquals(List.of("mood", "spam", "mood"), answers.stream().map(Prediction::task).toList(),
          "answers in the request's row order");
      assertEquals(FakeAdapters.expected(List.of("calm", "alarm"), new TaskText("mood", "fire!")), answers.get(2));
    }
    return fake.passes;
  }

  @Test
  void crossTaskFillsOnePassWithRowsOfEveryTask() throws Exception {
    List<List<TaskText>> passes = passesAfterABlockedOne(BatchStrategy.CROSS_TASK);
    assertEquals(List.of(1, 5), passes.stream().map(List::size).toList(), passes.toString());
  }

  @Test
  void perTaskRunsOnePassPerTask() throws Exception {
    List<List<TaskText>> passes = passesAfterABlockedOne(BatchStrategy.PER_TASK);
    assertEquals(List.of(1, 3, 2), passes.stream().map(List::size).toList(), passes.toString());
    assertTrue(passes.stream().allMatch(pass -> pass.stream().map(TaskText::task).distinct().count() == 1));
  }

  @Test
  void noneRunsEachRequestInItsOwnPass() throws Exception {
    List<List<TaskText>> passes = passesAfterABlockedOne(BatchStrategy.NONE);
    assertEquals(List.of(1, 2, 3), passes.stream().map(List::size).toList(), passes.toString());
  }

  @Test
  void theRowAndTokenBudgetsCapAPass() throws Exception {
    try (Batcher batcher = new Batcher(options(BatchStrategy.CROSS_TASK, 4, 1 << 20, 100), (r, t, d) -> { })) {
      assertEquals(10, submit(batcher, fake.adapter("a", 16), rows("spam", 10)).get(30, TimeUnit.SECONDS).size());
    }
    assertEquals(List.of(4, 4, 2), fake.passes.stream().map(List::size).toList());
    fake.passes.clear();
    // 40 tokens hold two rows of 16 tokens (every row is padded to the folder's max length).
    try (Batcher batcher = new Batcher(options(BatchStrategy.CROSS_TASK, 64, 40, 100), (r, t, d) -> { })) {
      submit(batcher, fake.adapter("b", 16), rows("mood", 5)).get(30, TimeUnit.SECONDS);
    }
    assertEquals(List.of(2, 2, 1), fake.passes.stream().map(List::size).toList());
  }

  @Test
  void aFullQueueRefusesAWholeRequestAndReleasesItsFolder() throws Exception {
    ServedAdapter adapter = fake.adapter("a", 16);
    try (Batcher batcher = new Batcher(options(BatchStrategy.CROSS_TASK, 64, 1 << 20, 3), (r, t, d) -> { })) {
      fake.gate = new CountDownLatch(1);
      CompletableFuture<List<Prediction>> running = submit(batcher, adapter, rows("spam", 1));
      while (batcher.queuedRows() > 0) {
        Thread.onSpinWait();
      }
      CompletableFuture<List<Prediction>> queued = submit(batcher, adapter, rows("spam", 2));
      adapter.acquire();
      Batcher.QueueFullException full = assertThrows(Batcher.QueueFullException.class,
          () -> batcher.submit(List.of(new Batcher.Part(adapter, rows("mood", 2))), LONG));
      assertTrue(full.getMessage().contains("2 of 3 rows wait"), full.getMessage());
      assertEquals(2, batcher.queuedRows(), "nothing of the refused request was queued");
      fake.gate.countDown();
      running.get(30, TimeUnit.SECONDS);
      queued.get(30, TimeUnit.SECONDS);
    }
    adapter.retire();
    assertTrue(adapter.isClosed(), "every reference was released, the refused request's too");
  }

  @Test
  void rowsTheWorkersCouldNotLabelWithinTheDeadlineAreRefusedAtOnce() throws Exception {
    ServedAdapter adapter = fake.adapter("a", 16);
    try (Batcher batcher = new Batcher(options(BatchStrategy.CROSS_TASK, 64, 1 << 20, 1000), (r, t, d) -> { })) {
      fake.passMillis = 100;
      submit(batcher, adapter, rows("spam", 10)).get(30, TimeUnit.SECONDS); // the pace: about 100 rows a second
      fake.passMillis = 0;
      fake.gate = new CountDownLatch(1);
      CompletableFuture<List<Prediction>> running = submit(batcher, adapter, rows("spam", 1));
      while (batcher.queuedRows() > 0) {
        Thread.onSpinWait();
      }
      Duration second = Duration.ofSeconds(1);
      adapter.acquire();
      batcher.submit(List.of(new Batcher.Part(adapter, rows("spam", 60))), second);
      adapter.acquire();
      Batcher.QueueFullException late = assertThrows(Batcher.QueueFullException.class,
          () -> batcher.submit(List.of(new Batcher.Part(adapter, rows("mood", 50))), second));
      assertTrue(late.getMessage().contains("more than the deadline of 1000 ms"), late.getMessage());
      assertTrue(late.retryAfterSeconds() >= 1);
      assertEquals(60, batcher.queuedRows(), "nothing of the refused request was queued");
      adapter.acquire();
      batcher.submit(List.of(new Batcher.Part(adapter, rows("mood", 30))), second);
      assertEquals(90, batcher.queuedRows(), "90 rows fit in a second at that pace");
      fake.gate.countDown();
      running.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRequestPastItsDeadlineIsDroppedAndItsFolderReleased() throws Exception {
    ServedAdapter adapter = fake.adapter("a", 16);
    try (Batcher batcher = new Batcher(options(BatchStrategy.CROSS_TASK, 64, 1 << 20, 100), (r, t, d) -> { })) {
      fake.gate = new CountDownLatch(1);
      CompletableFuture<List<Prediction>> running = submit(batcher, adapter, rows("spam", 1));
      while (batcher.queuedRows() > 0) {
        Thread.onSpinWait();
      }
      adapter.acquire();
      CompletableFuture<List<Prediction>> late =
          batcher.submit(List.of(new Batcher.Part(adapter, rows("spam", 2))), Duration.ofMillis(1)).get(0);
      Thread.sleep(20);
      fake.gate.countDown();
      running.get(30, TimeUnit.SECONDS);
      ExecutionException failed = assertThrows(ExecutionException.class, () -> late.get(30, TimeUnit.SECONDS));
      assertInstanceOf(Batcher.DeadlineExceededException.class, failed.getCause());
      assertEquals(1, fake.passes.size(), "the late rows never ran");
    }
    adapter.retire();
    assertTrue(adapter.isClosed());
  }

  @Test
  void twoWorkersAnswerEveryRequestInItsOwnOrder() throws Exception {
    ServedAdapter adapter = fake.adapter("a", 16);
    List<CompletableFuture<List<Prediction>>> answers = new ArrayList<>();
    List<List<TaskText>> asked = new ArrayList<>();
    try (Batcher batcher = new Batcher(new BatchingOptions(BatchStrategy.CROSS_TASK, 3, 1 << 20,
        Duration.ofMillis(1), 1000, 2), (r, t, d) -> { })) {
      for (int i = 0; i < 50; i++) {
        List<TaskText> rows = new ArrayList<>();
        for (int row = 0; row <= i % 4; row++) {
          rows.add(new TaskText(row % 2 == 0 ? "spam" : "mood", "x".repeat(1 + (i * 7 + row * 13) % 90)));
        }
        asked.add(rows);
        answers.add(submit(batcher, adapter, rows));
      }
      for (int i = 0; i < answers.size(); i++) {
        List<Prediction> got = answers.get(i).get(30, TimeUnit.SECONDS);
        for (int row = 0; row < got.size(); row++) {
          TaskText text = asked.get(i).get(row);
          List<String> labels = text.task().equals("spam") ? List.of("ham", "spam") : List.of("calm", "alarm");
          assertEquals(FakeAdapters.expected(labels, text), got.get(row));
        }
      }
    }
    assertTrue(fake.passes.stream().allMatch(pass -> pass.size() <= 3), "the row budget holds with two workers");
    adapter.retire();
    assertTrue(adapter.isClosed());
  }

  @Test
  void drainingLabelsWhatWasQueuedThenRefusesMore() throws Exception {
    ServedAdapter adapter = fake.adapter("a", 16);
    Batcher batcher = new Batcher(options(BatchStrategy.CROSS_TASK, 2, 1 << 20, 100), (r, t, d) -> { });
    fake.gate = new CountDownLatch(1);
    List<CompletableFuture<List<Prediction>>> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(submit(batcher, adapter, rows("spam", 3)));
    }
    Thread releaser = new Thread(() -> fake.gate.countDown());
    releaser.start();
    assertTrue(batcher.drain(LONG));
    for (CompletableFuture<List<Prediction>> future : queued) {
      assertEquals(3, future.getNow(null).size());
    }
    adapter.acquire();
    assertThrows(Batcher.StoppedException.class,
        () -> batcher.submit(List.of(new Batcher.Part(adapter, rows("spam", 1))), LONG));
    adapter.retire();
    assertTrue(adapter.isClosed());
  }
}
