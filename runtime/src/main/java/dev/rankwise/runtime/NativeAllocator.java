package dev.rankwise.runtime;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the native memory libtorch frees for its next step, as a Python process does, instead of
 * handing it back to the kernel (docs/DESIGN.md §7).
 *
 * <p>glibc serves a JVM's threads from secondary arenas, where the buffers of a training step (a few
 * MiB each) are mapped and unmapped on every step: a MiniLM LoRA step page-faulted about 3,100 times,
 * PyTorch's own process none. {@link #keepFreedMemory()} sets glibc's mmap threshold to its maximum and
 * its trim threshold to 1 GiB, the settings the environment variables {@value #MMAP_VARIABLE} and
 * {@value #TRIM_VARIABLE} give. An application calls it once, at start-up; the command line does.
 */
public final class NativeAllocator {

  private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);

  /** glibc's largest mmap threshold on 64-bit: allocations up to 32 MiB come from the arenas. */
  public static final int MMAP_THRESHOLD = 32 << 20;
  /** Free memory an arena keeps before it returns any to the kernel. */
  public static final int TRIM_THRESHOLD = 1 << 30;

  static final String MMAP_VARIABLE = "MALLOC_MMAP_THRESHOLD_";
  static final String TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_";

  /** {@code mallopt} parameters, from glibc's {@code malloc.h}. */
  private static final int M_TRIM_THRESHOLD = -1;
  private static final int M_MMAP_THRESHOLD = -3;

  private NativeAllocator() {}

  /**
   * Applies the thresholds through glibc's {@code mallopt}, unless the environment already sets
   * either one (the user's choice stands). Returns whether they were applied; anywhere but glibc on
   * Linux, or where the call fails, it logs why at debug level and changes nothing.
   */
  public static boolean keepFreedMemory() {
    Optional<String> reason = reasonToSkip(System.getenv(), Platform.isLinux());
    if (reason.isPresent()) {
      LOG.debug("native allocator left as it is: {}", reason.get());
      return false;
    }
    try {
      Function mallopt = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallopt");
      // The mmap threshold first: where it is refused (above a 32-bit glibc's maximum), nothing changes.
      boolean applied = mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, MMAP_THRESHOLD}) == 1
          && mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, TRIM_THRESHOLD}) == 1;
      LOG.debug("native allocator: mmap threshold {} B, trim threshold {} B {}", MMAP_THRESHOLD,
          TRIM_THRESHOLD, applied ? "applied" : "refused by mallopt");
      return applied;
    } catch (LinkageError | RuntimeException e) { // a second call after a failed load: NoClassDefFoundError
      LOG.debug("native allocator left as it is: no glibc mallopt ({})", e.toString());
      return false;
    }
  }

  /** Why the thresholds are not to be applied in this environment, if they are not. */
  static Optional<String> reasonToSkip(Map<String, String> environment, boolean linux) {
    if (!linux) {
      return Optional.of("not Linux");
    }
    for (String variable : new String[] {MMAP_VARIABLE, TRIM_VARIABLE}) {
      if (environment.containsKey(variable)) {
        return Optional.of(variable + " is set in the environment");
      }
    }
    return Optional.empty();
  }
}
