package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rankwise.runtime.ChildJvm;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.runtime.io.Checkpoint;
import dev.rankwise.runtime.io.CheckpointDirectory;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child JVMs killed with SIGKILL at random moments. Training that checkpoints after every step:
 * after each kill every file with a checkpoint's name reads back whole, the next start resumes from
 * the newest of them, and the run that finally finishes has the weights of a run that was never
 * killed, bit for bit. A writer of large checkpoints, so that kills land inside writes: no file with a
 * checkpoint's name is ever torn or mixed. {@code -Drankwise.kills=N} sets the number of kills of
 * each test (default 10).
 */
class CrashSafetyTest extends ManagedArrays {

  private static final int STEPS = 1000;

  @Test
  void killedRunsResumeFromTheirNewestWholeCheckpointAndFinishAsIfNeverKilled(@TempDir Path work)
      throws Exception {
    int kills = Integer.getInteger("rankwise.kills", 10);
    Map<String, float[]> uninterrupted = ToyTrainingProcess.run(manager, STEPS, Checkpointing.none());
    Path folder = work.resolve("checkpoints");
    Path result = work.resolve("weights.bin");
    Random random = new Random(11);
    int duringWrite = 0;
    List<Integer> resumedFrom = new ArrayList<>();
    for (int kill = 0; kill < kills && !Files.exists(result); kill++) {
      int newest = newestStep(folder);
      Process child = start(folder, result);
      int from = startingStep(child, folder);
      assertEquals(newest, from, "a start resumes from the newest whole checkpoint");
      resumedFrom.add(from);
      Thread.sleep(50 + random.nextInt(700));
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
      if (hasTemporaryFiles(folder)) {
        duringWrite++;
      }
      for (Path file : new CheckpointDirectory(folder, 1).files()) {
        CheckpointDirectory.read(file);
      }
    }
    Process last = start(folder, result);
    resumedFrom.add(startingStep(last, folder));
    assertTrue(last.waitFor(5, TimeUnit.MINUTES), "the last run did not finish");
    assertEquals(0, last.exitValue(), "the last run failed: " + Files.readString(errorLog(folder)));

    Map<String, float[]> finished = read(result);
    System.out.printf("crash test: %d kills (%d during a checkpoint write), starts from steps %s%n",
        resumedFrom.size() - 1, duringWrite, resumedFrom);
    CheckpointTest.assertBitForBit(uninterrupted, finished);
    assertTrue(resumedFrom.stream().distinct().count() > 2, "the kills left no progress to resume: " + resumedFrom);
  }

  @Test
  void killsDuringCheckpointWritesNeverLeaveATornCheckpoint(@TempDir Path folder) throws Exception {
    int kills = Integer.getInteger("rankwise.kills", 10);
    Random random = new Random(12);
    int duringWrite = 0;
    int newest = 0;
    int kill = 0;
    // At least `kills` kills, and more (up to four times as many) until one lands inside a write: where
    // a kill lands depends on the machine's speed, and the test means nothing until one does.
    for (; kill < kills || (duringWrite == 0 && kill < 4 * kills); kill++) {
      Process child = new ProcessBuilder(command(CheckpointWriterProcess.class, folder.toString()))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertEquals("writing from step " + (newest + 1), line);
      Thread.sleep(200 + random.nextInt(800));
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
      if (hasTemporaryFiles(folder)) {
        duringWrite++;
      }
      for (Path file : new CheckpointDirectory(folder, 1).files()) {
        Checkpoint checkpoint = CheckpointDirectory.read(file);
        float[] values = checkpoint.parameters().get("weight").data();
        int step = checkpoint.step();
        assertTrue(values[0] == step && values[values.length - 1] == step, file + " mixes steps");
      }
      newest = newestStep(folder);
    }
    System.out.printf("writer crash test: %d kills, %d during a write, newest whole checkpoint step %d%n",
        kill, duringWrite, newest);
    assertTrue(duringWrite > 0, "no kill landed inside a write");
  }

  private static Process start(Path folder, Path result) throws IOException {
    return new ProcessBuilder(command(ToyTrainingProcess.class, folder.toString(), Integer.toString(STEPS),
        result.toString())).redirectError(errorLog(folder).toFile()).start();
  }

  /** A java command running {@code main} with this JVM's class path and engine settings. */
  private static List<String> command(Class<?> main, String... args) {
    return ChildJvm.command(System.getProperty("java.class.path"), main.getName(), args);
  }

  /** Where a training child's standard error goes (beside its checkpoint folder). */
  private static Path errorLog(Path folder) {
    return folder.resolveSibling("child-stderr.log");
  }

  /** Reads the child's "training from step N" line. */
  private static int startingStep(Process child, Path folder) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = reader.readLine();
    if (line == null || !line.startsWith("training from step ")) {
      fail("the child printed " + line + " instead of its starting step; its standard error:\n"
          + Files.readString(errorLog(folder)));
    }
    return Integer.parseInt(line.substring("training from step ".length()));
  }

  private static int newestStep(Path folder) throws IOException {
    return new CheckpointDirectory(folder, 1).newestValid(message -> fail("unreadable checkpoint: " + message))
        .map(loaded -> loaded.checkpoint().step()).orElse(0);
  }

  private static boolean hasTemporaryFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return false;
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files.anyMatch(AtomicFiles::isTemporary);
    }
  }

  private static Map<String, float[]> read(Path file) throws IOException {
    Map<String, float[]> weights = new LinkedHashMap<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      while (in.available() > 0) {
        String name = in.readUTF();
        float[] values = new float[in.readInt()];
        for (int i = 0; i < values.length; i++) {
          values[i] = in.readFloat();
        }
        weights.put(name, values);
      }
    }
    return weights;
  }
}
