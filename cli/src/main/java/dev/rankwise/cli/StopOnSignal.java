package dev.rankwise.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM during training into a stop request that the trainer answers
 * at the end of its step by saving a checkpoint; the JVM exits once the command has closed this
 * (or after {@value #GRACE_SECONDS} s, should the step hang).
 */
final class StopOnSignal implements BooleanSupplier, AutoCloseable {

  /** Longest wait for the running step and its checkpoint before the JVM exits anyway. */
  static final int GRACE_SECONDS = 120;

  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread hook = new Thread(this::stop, "rankwise-stop");

  /** Listens for the signals until closed. */
  StopOnSignal() {
    Runtime.getRuntime().addShutdownHook(hook);
  }

  private void stop() {
    requested.set(true);
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
    return requested.get();
  }

  /** Lets a stopping JVM exit, or stops listening if no signal came. */
  @Override
  public void close() {
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting on a signal; the hook has just been released.
    }
  }
}
