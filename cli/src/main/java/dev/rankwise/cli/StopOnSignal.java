package dev.rankwise.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM during training into a stop request that the trainer answers
 * at the end of its step by saving a checkpoint; the command then exits with {@link #exitCode()}:
 * {@link RankwiseCli#INTERRUPTED} (130) for Ctrl-C, {@link RankwiseCli#TERMINATED} (143) for
 * SIGTERM, as shells report a process that a signal ended. A second signal, or a step that hangs for
 * {@value #GRACE_SECONDS} s, ends the process at once with the same code, without a checkpoint.
 *
 * <p>The signals are caught with {@code sun.misc.Signal} (jdk.unsupported), so that the JVM does
 * not start its shutdown and the exit code is the command's own. Where that is refused (a JVM run
 * with {@code -Xrs}, or without the module), a shutdown hook asks for the stop instead, and the JVM
 * exits with 128 + the signal itself.
 */
final class StopOnSignal implements BooleanSupplier, AutoCloseable {

  /** Longest wait for the running step and its checkpoint before the process exits anyway. */
  static final int GRACE_SECONDS = 120;

  private final AtomicInteger exitCode = new AtomicInteger();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<Runnable> restore = new ArrayList<>();
  private Thread hook;

  /** Listens for the signals until closed. */
  StopOnSignal() {
    try {
      catchSignal("INT", RankwiseCli.INTERRUPTED);
      catchSignal("TERM", RankwiseCli.TERMINATED);
    } catch (IllegalArgumentException | LinkageError refused) {
      restore.forEach(Runnable::run);
      restore.clear();
      hook = new Thread(this::stopInShutdown, "rankwise-stop");
      Runtime.getRuntime().addShutdownHook(hook);
    }
  }

  private void catchSignal(String name, int code) {
    Signal signal = new Signal(name);
    SignalHandler previous = Signal.handle(signal, received -> request(code));
    restore.add(() -> Signal.handle(signal, previous));
  }

  private void request(int code) {
    if (!exitCode.compareAndSet(0, code)) {
      System.err.println(System.lineSeparator() + "rankwise: stopping now, without a checkpoint");
      Runtime.getRuntime().halt(exitCode.get());
    }
    System.err.println(System.lineSeparator()
        + "rankwise: stopping after this step and saving a checkpoint (signal again to stop at once)...");
    Thread watchdog = new Thread(() -> {
      try {
        if (!closed.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
          System.err.println("rankwise: the step did not end within " + GRACE_SECONDS + " s; stopping without a"
              + " checkpoint");
          Runtime.getRuntime().halt(code);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "rankwise-stop-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** The shutdown-hook fallback: ask for the stop, hold the JVM until the checkpoint is saved. */
  private void stopInShutdown() {
    exitCode.compareAndSet(0, RankwiseCli.INTERRUPTED);
    System.err.println(System.lineSeparator() + "rankwise: stopping after this step and saving a checkpoint...");
    try {
      closed.await(GRACE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether a stop was requested. */
  @Override
  public boolean getAsBoolean() {
    return exitCode.get() != 0;
  }

  /** The exit code of the signal that stopped the run: 130 for Ctrl-C, 143 for SIGTERM. */
  int exitCode() {
    int code = exitCode.get();
    return code != 0 ? code : RankwiseCli.INTERRUPTED;
  }

  /** Stops listening (the signals act as before again), or lets a stopping JVM exit. */
  @Override
  public void close() {
    closed.countDown();
    restore.forEach(Runnable::run);
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is exiting on a signal; the hook has just been released.
      }
    }
  }
}
