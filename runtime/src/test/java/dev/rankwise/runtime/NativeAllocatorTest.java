package dev.rankwise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {

  @Test
  void appliesOnLinuxWhenTheEnvironmentLeavesTheThresholdsAlone() {
    assertEquals(Optional.empty(), NativeAllocator.reasonToSkip(Map.of("PATH", "/bin"), true));
  }

  @Test
  void aThresholdSetInTheEnvironmentStands() {
    assertEquals(Optional.of("MALLOC_MMAP_THRESHOLD_ is set in the environment"),
        NativeAllocator.reasonToSkip(Map.of("MALLOC_MMAP_THRESHOLD_", "131072"), true));
    assertEquals(Optional.of("MALLOC_TRIM_THRESHOLD_ is set in the environment"),
        NativeAllocator.reasonToSkip(Map.of("MALLOC_TRIM_THRESHOLD_", "0"), true));
  }

  @Test
  void leavesOtherSystemsAlone() {
    assertEquals(Optional.of("not Linux"), NativeAllocator.reasonToSkip(Map.of(), false));
  }

  @Test
  void glibcAcceptsTheThresholds() {
    assumeTrue(Platform.isLinux() && NativeAllocator.reasonToSkip(System.getenv(), true).isEmpty(),
        "needs Linux without MALLOC_*_THRESHOLD_ in the environment");
    assertTrue(NativeAllocator.keepFreedMemory(), "mallopt refused the thresholds");
  }
}
