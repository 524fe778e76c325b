package dev.rankwise.serving;

import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskText;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queues requests' rows and runs them in forward passes. A worker takes the oldest waiting row and
 * fills a pass with the rows that may share it ({@link BatchStrategy}), in arrival order, until the
 * row or token budget is full or the oldest row has waited {@link BatchingOptions#maxWait}. The
 * queue holds at most {@link BatchingOptions#maxQueueRows} rows, and no more than the workers can
 * label within a request's deadline at the recent passes' pace: a request that would exceed either is
 * refused whole ({@link QueueFullException}), so memory stays bounded under overload and the rows
 * that are queued can still be answered in time. A request
 * past its deadline, or cancelled, is dropped from the queue; its rows already in a pass finish.
 *
 * <p>Each part of a request holds a reference to its folder ({@link ServedAdapter#acquire}) until
 * its rows are labelled or dropped, so a folder unloaded meanwhile closes only afterwards.
 */
public final class Batcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

  /** What one forward pass did, for metrics. */
  @FunctionalInterface
  public interface PassListener {
    /** A pass of {@code rows} rows of {@code tasks} distinct tasks took {@code time}. */
    void pass(int rows, int tasks, Duration time);
  }

  /** Refused: the queue has no room for the request's rows. */
  public static final class QueueFullException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long retryAfterSeconds;

    QueueFullException(int rows, int queued, int capacity, long retryAfterSeconds) {
      this("the queue is full: " + queued + " of " + capacity + " rows wait, no room for " + rows + " more",
          retryAfterSeconds);
    }

    QueueFullException(String message, long retryAfterSeconds) {
      super(message);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    /** About how long the rows waiting now take to run, at the recent rows per second: at least 1 s. */
    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  /** Refused: the batcher is stopping and takes no new rows. */
  public static final class StoppedException extends Exception {
    private static final long serialVersionUID = 1L;

    StoppedException() {
      super("the server is stopping and takes no new requests");
    }
  }

  /** Completes a request's future when its deadline passed before its rows were labelled. */
  public static final class DeadlineExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DeadlineExceededException(Duration deadline) {
      super("not labelled within the deadline of " + deadline.toMillis() + " ms; the server is busy, try again");
    }
  }

  /**
   * Rows of one folder, part of a request, with a reference to the folder taken; the batcher
   * releases it.
   */
  public record Part(ServedAdapter adapter, List<TaskText> rows) {
    /** Copies the rows. */
    public Part {
      rows = List.copyOf(rows);
    }
  }

  private final BatchingOptions options;
  private final PassListener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final List<Thread> workers = new ArrayList<>();
  private int queuedRows;
  private boolean stopping;
  /** Rows per second of the recent passes (an exponentially weighted mean); 0 before the first. */
  private double rowsPerSecond;

  /** Starts the workers. */
  public Batcher(BatchingOptions options, PassListener listener) {
    this.options = options;
    this.listener = listener;
    for (int i = 0; i < options.workers(); i++) {
      Thread worker = new Thread(this::work, "rankwise-batcher-" + i);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
  }

  /** The options the batcher runs with. */
  public BatchingOptions options() {
    return options;
  }

  /** Rows waiting for a pass. */
  public int queuedRows() {
    lock.lock();
    try {
      return queuedRows;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a request's parts at once, or none of them. The parts' references pass to the batcher,
   * which releases them when the rows are done or refused.
   *
   * @param deadline how long the request may take from now
   * @return each part's predictions, in its rows' order; a future fails with {@link
   *     DeadlineExceededException} when the deadline passes first
   * @throws QueueFullException if the queue has no room for all the rows
   * @throws StoppedException if the batcher is stopping
   */
  public List<CompletableFuture<List<Prediction>>> submit(List<Part> parts, Duration deadline)
      throws QueueFullException, StoppedException {
    int rows = parts.stream().mapToInt(part -> part.rows().size()).sum();
    long now = System.nanoTime();
    lock.lock();
    try {
      if (stopping) {
        parts.forEach(part -> part.adapter().release());
        throw new StoppedException();
      }
      double pace = rowsPerSecond * options.workers();
      long drain = pace > 0 ? Math.max(1, Math.min(60, (long) Math.ceil(queuedRows / pace))) : 1;
      if (queuedRows + rows > options.maxQueueRows()) {
        parts.forEach(part -> part.adapter().release());
        throw new QueueFullException(rows, queuedRows, options.maxQueueRows(), drain);
      }
      // Rows that could not be labelled before the deadline at the recent pace are refused now: queued,
      // they would only time out, after taking the place of rows that could have made it.
      double seconds = pace > 0 ? (queuedRows + rows) / pace : 0;
      if (queuedRows > 0 && seconds * 1e9 > deadline.toNanos()) {
        parts.forEach(part -> part.adapter().release());
        throw new QueueFullException(String.format(Locale.ROOT, "the queue holds %d rows, about %.1f s of work"
            + " with these %d at the recent %.0f rows per second, more than the deadline of %d ms", queuedRows,
            seconds, rows, pace, deadline.toMillis()), drain);
      }
      List<CompletableFuture<List<Prediction>>> futures = new ArrayList<>();
      for (Part part : parts) {
        List<List<Integer>> groups = groups(part.rows());
        List<CompletableFuture<List<Prediction>>> groupFutures = new ArrayList<>();
        for (List<Integer> group : groups) {
          List<TaskText> groupRows = new ArrayList<>(group.size());
          group.forEach(index -> groupRows.add(part.rows().get(index)));
          part.adapter().retain();
          Pending pending = new Pending(part.adapter(), groupRows, now, now + deadline.toNanos(), deadline);
          queue.addLast(pending);
          groupFutures.add(pending.future);
        }
        part.adapter().release();
        futures.add(groups.size() == 1 ? groupFutures.get(0) : inRowOrder(part.rows().size(), groups, groupFutures));
      }
      queuedRows += rows;
      arrived.signalAll();
      return futures;
    } finally {
      lock.unlock();
    }
  }

  /** The rows' indices: one group for cross-task and unbatched passes, one per task for per-task passes. */
  private List<List<Integer>> groups(List<TaskText> rows) {
    Map<String, List<Integer>> byTask = new LinkedHashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      String key = options.strategy() == BatchStrategy.PER_TASK ? rows.get(i).task() : "";
      byTask.computeIfAbsent(key, task -> new ArrayList<>()).add(i);
    }
    return new ArrayList<>(byTask.values());
  }

  /** The groups' predictions put back in the rows' order. */
  private static CompletableFuture<List<Prediction>> inRowOrder(int rows, List<List<Integer>> groups,
      List<CompletableFuture<List<Prediction>>> futures) {
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(done -> {
      Prediction[] ordered = new Prediction[rows];
      for (int g = 0; g < groups.size(); g++) {
        List<Prediction> answers = futures.get(g).join();
        for (int i = 0; i < answers.size(); i++) {
          ordered[groups.get(g).get(i)] = answers.get(i);
        }
      }
      return Arrays.asList(ordered);
    });
  }

  /**
   * Takes no new rows, labels every queued one, and waits for the workers to finish, at most {@code
   * timeout}.
   *
   * @return whether every queued row was done in time
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    lock.lock();
    try {
      stopping = true;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    long until = System.nanoTime() + timeout.toNanos();
    for (Thread worker : workers) {
      worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
    }
    return workers.stream().noneMatch(Thread::isAlive);
  }

  /** Drains for at most a minute. */
  @Override
  public void close() {
    try {
      if (!drain(Duration.ofMinutes(1))) {
        LOG.warn("the batcher's workers did not finish the queue within a minute");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void work() {
    while (true) {
      Pass pass;
      try {
        pass = nextPass();
      } catch (InterruptedException e) {
        return;
      }
      if (pass == null) {
        return;
      }
      run(pass);
    }
  }

  /** The next pass to run, or null once stopping with nothing queued. */
  private Pass nextPass() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        dropExpired();
        if (queue.isEmpty()) {
          if (stopping) {
            return null;
          }
          arrived.await();
          continue;
        }
        Pending head = queue.peekFirst();
        long waitLeft = head.accepted + options.maxWait().toNanos() - System.nanoTime();
        if (options.strategy() != BatchStrategy.NONE && !stopping && waitLeft > 0
            && rowsFor(head) < options.rowLimit(head.adapter.maxLength())) {
          arrived.awaitNanos(Math.min(waitLeft, head.deadline - System.nanoTime()));
          continue;
        }
        return take(head);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Drops requests past their deadline or cancelled, failing their futures. Holds the lock. */
  private void dropExpired() {
    long now = System.nanoTime();
    for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
      Pending pending = it.next();
      if (pending.future.isDone() || now - pending.deadline >= 0) {
        it.remove();
        queuedRows -= pending.rows.size() - pending.next;
        pending.future.completeExceptionally(new DeadlineExceededException(pending.deadlineLength));
        pending.drop();
      }
    }
  }

  /** Queued rows that may share a pass with the head's. Holds the lock. */
  private int rowsFor(Pending head) {
    int rows = 0;
    for (Pending pending : queue) {
      if (pending.adapter == head.adapter && sameGroup(head, pending)) {
        rows += pending.rows.size() - pending.next;
      }
    }
    return rows;
  }

  private boolean sameGroup(Pending head, Pending other) {
    return switch (options.strategy()) {
      case CROSS_TASK -> other.adapter == head.adapter;
      case PER_TASK -> other.adapter == head.adapter && other.rows.get(0).task().equals(head.rows.get(0).task());
      case NONE -> other == head;
    };
  }

  /** Takes the rows of a pass out of the queue, oldest first. Holds the lock. */
  private Pass take(Pending head) {
    int limit = options.rowLimit(head.adapter.maxLength());
    Pass pass = new Pass(head.adapter);
    for (Iterator<Pending> it = queue.iterator(); it.hasNext() && pass.rows.size() < limit; ) {
      Pending pending = it.next();
      if (!sameGroup(head, pending)) {
        continue;
      }
      int from = pending.next;
      int to = Math.min(pending.rows.size(), from + limit - pass.rows.size());
      pass.slices.add(new Slice(pending, from, to));
      pass.rows.addAll(pending.rows.subList(from, to));
      pending.next = to;
      queuedRows -= to - from;
      if (to == pending.rows.size()) {
        it.remove();
      }
    }
    return pass;
  }

  private void run(Pass pass) {
    long start = System.nanoTime();
    List<Prediction> predictions;
    try {
      predictions = pass.adapter.predict(pass.rows);
      if (predictions.size() != pass.rows.size()) {
        throw new IllegalStateException(predictions.size() + " predictions for " + pass.rows.size() + " rows");
      }
    } catch (RuntimeException | Error e) {
      LOG.error("a forward pass of {} rows of adapters '{}' failed", pass.rows.size(), pass.adapter.name(), e);
      for (Slice slice : pass.slices) {
        slice.pending.future.completeExceptionally(e);
        slice.pending.done(slice.to - slice.from, null, 0);
      }
      return;
    }
    Set<String> tasks = new HashSet<>();
    pass.rows.forEach(row -> tasks.add(row.task()));
    long took = Math.max(1, System.nanoTime() - start);
    listener.pass(pass.rows.size(), tasks.size(), Duration.ofNanos(took));
    lock.lock();
    try {
      double rate = pass.rows.size() * 1e9 / took;
      rowsPerSecond = rowsPerSecond == 0 ? rate : 0.8 * rowsPerSecond + 0.2 * rate;
    } finally {
      lock.unlock();
    }
    int at = 0;
    for (Slice slice : pass.slices) {
      int rows = slice.to - slice.from;
      slice.pending.done(rows, predictions.subList(at, at + rows), slice.from);
      at += rows;
    }
  }

  /** Rows of one request part waiting or running, and their answers so far. */
  private static final class Pending {
    final ServedAdapter adapter;
    final List<TaskText> rows;
    final long accepted;
    final long deadline;
    final Duration deadlineLength;
    final Prediction[] predictions;
    final CompletableFuture<List<Prediction>> future = new CompletableFuture<>();
    /** The first row not yet taken into a pass; guarded by the batcher's lock. */
    int next;
    /** Rows not yet answered or dropped. */
    private int remaining;
    private boolean released;

    Pending(ServedAdapter adapter, List<TaskText> rows, long accepted, long deadline, Duration deadlineLength) {
      this.adapter = adapter;
      this.rows = rows;
      this.accepted = accepted;
      this.deadline = deadline;
      this.deadlineLength = deadlineLength;
      this.predictions = new Prediction[rows.size()];
      this.remaining = rows.size();
    }

    /** Rows from {@code from} were answered (or failed, predictions null). */
    synchronized void done(int count, List<Prediction> answers, int from) {
      if (answers != null) {
        for (int i = 0; i < count; i++) {
          predictions[from + i] = answers.get(i);
        }
      }
      remaining -= count;
      if (remaining == 0) {
        future.complete(Arrays.asList(predictions));
        releaseOnce();
      }
    }

    /** The rows not yet taken into a pass are dropped. */
    synchronized void drop() {
      remaining -= rows.size() - next;
      if (remaining == 0) {
        releaseOnce();
      }
    }

    private void releaseOnce() {
      if (!released) {
        released = true;
        adapter.release();
      }
    }
  }

  private record Slice(Pending pending, int from, int to) {}

  /** The rows of one forward pass and which request each came from. */
  private static final class Pass {
    final ServedAdapter adapter;
    final List<TaskText> rows = new ArrayList<>();
    final List<Slice> slices = new ArrayList<>();

    Pass(ServedAdapter adapter) {
      this.adapter = adapter;
    }
  }
}
