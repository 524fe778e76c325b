package dev.rankwise.runtime.train;

import java.util.Random;

/**
 * {@link Random}'s generator (the same 48-bit linear congruence, so the same numbers for the same
 * seed) whose state can be read and set, so that a checkpoint can save where a run's shuffling
 * stands and a resumed run draw the same numbers next. Only {@link #next} is overridden: every
 * integer, long, float and boolean method draws through it; {@code nextGaussian}'s cached second
 * value is not part of the state, so checkpointed code must not use it.
 */
final class SeededRandom extends Random {

  private static final long serialVersionUID = 1L;
  private static final long MULTIPLIER = 0x5DEECE66DL;
  private static final long ADDEND = 0xBL;
  private static final long MASK = (1L << 48) - 1;

  private long state;

  /** A generator drawing what {@code new Random(seed)} draws. */
  SeededRandom(long seed) {
    super(seed);
  }

  @Override
  public synchronized void setSeed(long seed) {
    state = (seed ^ MULTIPLIER) & MASK;
  }

  @Override
  protected synchronized int next(int bits) {
    state = (state * MULTIPLIER + ADDEND) & MASK;
    return (int) (state >>> (48 - bits));
  }

  /** The generator's state (not its seed): {@link #restore} with it draws the same numbers next. */
  synchronized long state() {
    return state;
  }

  /** Sets the generator's state to one read with {@link #state}. */
  synchronized void restore(long savedState) {
    if (savedState < 0 || savedState > MASK) {
      throw new IllegalArgumentException("a random state is 48 bits, got " + savedState);
    }
    state = savedState;
  }
}
