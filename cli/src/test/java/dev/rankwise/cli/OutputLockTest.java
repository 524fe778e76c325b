package dev.rankwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output folder's lock: held, it refuses a second holder naming the first; released, it is
 * free again; a lock file left by a dead run (its lock died with it) blocks nothing. The refusal
 * across processes is in {@code TrainSafetyTest}.
 */
class OutputLockTest {

  @TempDir Path out;

  @Test
  void aHeldFolderRefusesASecondHolderNamingTheFirst() throws IOException {
    try (OutputLock first = OutputLock.acquire(out, "rankwise train --method shared-lora")) {
      OutputLock.InUseException refused = assertThrows(OutputLock.InUseException.class,
          () -> OutputLock.acquire(out, "rankwise demo"));
      String message = refused.getMessage();
      assertTrue(message.startsWith(out + " is in use by another rankwise run (pid " + ProcessHandle.current().pid()),
          message);
      assertTrue(message.contains(": rankwise train --method shared-lora); wait for it to end or give another --out"),
          message);
    }
    try (OutputLock again = OutputLock.acquire(out, "rankwise demo")) {
      assertTrue(Files.readString(out.resolve(OutputLock.FILE)).contains("rankwise demo"));
    }
    assertEquals("", Files.readString(out.resolve(OutputLock.FILE)), "a released lock names no holder");
  }

  @Test
  void aLockFileLeftByADeadRunBlocksNothing() throws IOException {
    Files.writeString(out.resolve(OutputLock.FILE), "pid 1 on elsewhere since 2020-01-01T00:00:00Z: rankwise train\n");
    try (OutputLock lock = OutputLock.acquire(out, "rankwise soak")) {
      String line = Files.readString(out.resolve(OutputLock.FILE));
      assertTrue(line.startsWith("pid " + ProcessHandle.current().pid()) && line.strip().endsWith(": rankwise soak"),
          line);
    }
  }

  @Test
  void aMissingFolderIsCreated() throws IOException {
    Path folder = out.resolve("a/b");
    try (OutputLock lock = OutputLock.acquire(folder, "rankwise demo")) {
      assertTrue(Files.isRegularFile(folder.resolve(OutputLock.FILE)));
    }
  }
}
