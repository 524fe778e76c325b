package dev.rankwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rankwise.cli.soak.SoakReport;
import dev.rankwise.reporting.MemorySample;
import dev.rankwise.runtime.data.TaskFileException;
import dev.rankwise.runtime.io.AdapterFileException;
import dev.rankwise.runtime.train.NonFiniteLossException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which failure exits with which code: 2 only when the user's input is wrong, 74 (sysexits'
 * EX_IOERR) when the disk fails the run, 4 when a soak's memory grew past its bounds, 1 for a bug
 * only. The numbers are written out: they are the contract scripts rely on.
 */
class ExitCodesTest {

  @Test
  void badInputIsTwo() {
    assertEquals(2, RankwiseCli.exitCode(new IllegalArgumentException("--threads must be at least 1")));
    assertEquals(2, RankwiseCli.exitCode(new TaskFileException(Path.of("data/spam/train.jsonl"), 17, "bad JSON")));
    assertEquals(2, RankwiseCli.exitCode(new AdapterFileException(Path.of("a"), "checksum mismatch")));
    assertEquals(2, RankwiseCli.exitCode(new NoSuchFileException("adapters/x/adapter_config.json")));
  }

  @Test
  void aDiskThatFailsTheRunIsSeventyFour() {
    assertEquals(74, RankwiseCli.exitCode(new FileSystemException("out/report.md", null, "No space left on device")));
    assertEquals(74, RankwiseCli.exitCode(new AccessDeniedException("out/adapters")));
    assertEquals(74, RankwiseCli.exitCode(new FileSystemException("out", null, "Read-only file system")));
    assertEquals(74, RankwiseCli.exitCode(new UncheckedIOException(new IOException("Input/output error"))));
  }

  @Test
  void otherFailuresKeepTheirCodes() {
    assertEquals(3, RankwiseCli.exitCode(new NonFiniteLossException(3, "the loss", Double.NaN)));
    assertEquals(1, RankwiseCli.exitCode(new IllegalStateException("a bug")));
  }

  @Test
  void aSoakWhoseMemoryGrewIsFourNotAnInternalFailure() {
    long mib = 1L << 20;
    // Warm-up ends at a tenth of the run: the verdict compares step 20 with step 200.
    SoakReport flat = new SoakReport("rankwise soak", List.of(new MemorySample(1, 1, 900 * mib, 90 * mib, 150, 1),
        new MemorySample(20, 2, 1000 * mib, 100 * mib, 200, 1), new MemorySample(200, 20, 1001 * mib, 100 * mib, 200, 1)));
    SoakReport grew = new SoakReport("rankwise soak", List.of(new MemorySample(1, 1, 900 * mib, 90 * mib, 150, 1),
        new MemorySample(20, 2, 1000 * mib, 100 * mib, 200, 1), new MemorySample(200, 20, 1000 * mib, 100 * mib, 201, 1)));
    assertEquals(true, flat.flat());
    assertEquals(false, grew.flat(), "one NDArray more is growth");
    assertEquals(0, SoakCommand.exitCode(flat));
    assertEquals(4, SoakCommand.exitCode(grew));
  }

  @Test
  void theConstantsAreTheConventionalNumbers() {
    assertEquals(0, RankwiseCli.OK);
    assertEquals(1, RankwiseCli.INTERNAL);
    assertEquals(2, RankwiseCli.USER_ERROR);
    assertEquals(3, RankwiseCli.DIVERGED);
    assertEquals(4, RankwiseCli.MEMORY_GREW);
    assertEquals(74, RankwiseCli.IO_ERROR);
    assertEquals(128 + 2, RankwiseCli.INTERRUPTED); // SIGINT, Ctrl-C
    assertEquals(128 + 15, RankwiseCli.TERMINATED); // SIGTERM
  }
}
