package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overwriting live arrays (loading adapters, resuming from a checkpoint, keeping the best weights,
 * merging adapters and unmerging them, zeroing refused gradients) prints nothing on standard error. libtorch writes its warnings to file
 * descriptor 2 once per process, past {@code System.err}, so each way runs in its own child JVM.
 * DJL's {@code NDArray.set(Buffer)} printed "AutoNonVariableTypeMode is deprecated" on every
 * {@code rankwise predict} (docs/DESIGN.md §7).
 */
class NoLibtorchWarningTest {

  /** A libtorch warning line: {@code [W1203 18:40:33.180173860 LegacyTypeDispatch.h:74] Warning: ...}. */
  private static final Pattern LIBTORCH_WARNING = Pattern.compile("(?m)^\\[W\\d{4} .*\\] Warning: ");

  @TempDir Path directory;

  @Test
  void loadingSavedAdaptersPrintsNoWarning() throws Exception {
    assertEquals("loaded the saved values: true", quietRun("load"));
  }

  @Test
  void resumingFromACheckpointPrintsNoWarning() throws Exception {
    assertEquals("resumed to step 8", quietRun("resume"));
  }

  @Test
  void keepingTheBestWeightsPrintsNoWarning() throws Exception {
    String[] line = quietRun("keep-best").split(" ");
    assertTrue(Integer.parseInt(line[5]) < Integer.parseInt(line[7]), "an earlier step was the best");
  }

  @Test
  void mergingAndUnmergingPrintsNoWarning() throws Exception {
    assertEquals("merged and unmerged exactly: true", quietRun("merge"));
  }

  @Test
  void zeroingRefusedGradientsPrintsNoWarning() throws Exception {
    assertEquals("zeroed the gradient: true", quietRun("non-finite-gradient"));
  }

  /** Runs {@link RestoreProcess} in {@code mode}, checks its standard error and returns its line. */
  private String quietRun(String mode) throws Exception {
    Path folder = directory.resolve(mode);
    Path out = directory.resolve(mode + ".out");
    Path err = directory.resolve(mode + ".err");
    Process child = new ProcessBuilder(ChildJvm.command(System.getProperty("java.class.path"),
            RestoreProcess.class.getName(), mode, folder.toString()))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not finish");
    String errors = Files.readString(err);
    assertEquals(0, child.exitValue(), "the child failed:\n" + errors);
    assertTrue(!errors.contains("AutoNonVariableTypeMode") && !LIBTORCH_WARNING.matcher(errors).find(),
        "libtorch warned on standard error:\n" + errors);
    return Files.readString(out).strip();
  }
}
