package dev.rankwise.runtime.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of one run's checkpoints, {@code checkpoint-<step>.safetensors}: each written
 * atomically ({@link AtomicFiles}), the oldest removed beyond the newest {@code keep} valid ones, and the
 * newest one that reads and checks back picked for a resume. Temporary files of a writer that was
 * killed never carry a checkpoint's name; they are removed on the next write.
 */
public final class CheckpointDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointDirectory.class);

  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{8,})\\.safetensors");

  private final Path directory;
  private final int keep;

  /**
   * A checkpoint folder.
   *
   * @param directory where the checkpoints go (created on the first write)
   * @param keep how many of the newest checkpoints to keep, at least 1
   */
  public CheckpointDirectory(Path directory, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1 checkpoint, got " + keep);
    }
    this.directory = directory;
    this.keep = keep;
  }

  /** The folder. */
  public Path directory() {
    return directory;
  }

  /** A checkpoint and the file it came from. */
  public record Loaded(Path file, Checkpoint checkpoint) {}

  /**
   * Writes a checkpoint atomically, then keeps the newest {@code keep} valid checkpoints up to it
   * (it included) and removes any stale temporary file (docs/DESIGN.md §5). Only checkpoints that
   * read and check back count towards {@code keep}: an unreadable one is left in place for the user
   * to inspect until it falls behind {@code keep} valid ones. The checkpoint just written is never
   * removed, nor is any of a later step (a resumed run writes steps below the unreadable newest
   * checkpoints it skipped).
   *
   * @return the checkpoint's file
   */
  public Path write(Checkpoint checkpoint) throws IOException {
    Path file = directory.resolve(String.format("checkpoint-%08d.safetensors", checkpoint.step()));
    AtomicFiles.write(file, CheckpointFile.encode(checkpoint));
    prune(checkpoint.step());
    try (Stream<Path> entries = Files.list(directory)) {
      for (Path stale : entries.filter(AtomicFiles::isTemporary).toList()) {
        Files.deleteIfExists(stale);
      }
    }
    return file;
  }

  /**
   * Removes the checkpoints of steps before {@code written} beyond the newest {@code keep - 1}
   * valid ones; reads only those it keeps, so a write costs at most {@code keep} reads.
   */
  private void prune(int written) throws IOException {
    List<Path> earlier = files().stream().filter(file -> step(file) < written).toList();
    int valid = 1;
    for (int i = earlier.size() - 1; i >= 0; i--) {
      Path file = earlier.get(i);
      if (valid >= keep) {
        Files.deleteIfExists(file);
        continue;
      }
      try {
        load(file);
        valid++;
      } catch (AdapterFileException e) {
        LOG.warn("not counting an unreadable checkpoint towards the {} to keep (left in place): {}", keep, e.getMessage());
      }
    }
  }

  /** The checkpoint files, oldest step first (none if the folder does not exist). */
  public List<Path> files() throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.filter(file -> NAME.matcher(file.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(CheckpointDirectory::step))
          .toList();
    }
  }

  /**
   * The newest checkpoint that reads and checks back; each newer one that does not is reported to
   * {@code skipped} with the reason, and left in place for the user to inspect.
   */
  public Optional<Loaded> newestValid(Consumer<String> skipped) throws IOException {
    List<Path> files = new ArrayList<>(files());
    for (int i = files.size() - 1; i >= 0; i--) {
      try {
        return Optional.of(new Loaded(files.get(i), load(files.get(i))));
      } catch (AdapterFileException e) {
        skipped.accept("skipping unreadable checkpoint " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Reads one checkpoint file, checking it. */
  public static Checkpoint read(Path file) throws IOException {
    return CheckpointFile.read(file);
  }

  /** Reads and checks a checkpoint, and that it holds the step of its name. */
  private static Checkpoint load(Path file) throws IOException {
    Checkpoint checkpoint = CheckpointFile.read(file);
    if (checkpoint.step() != step(file)) {
      throw new AdapterFileException(file, "holds step " + checkpoint.step()
          + ", not the step of its name (was it renamed?)");
    }
    return checkpoint;
  }

  /** The step in a checkpoint file's name (the name matches {@link #NAME}). */
  private static long step(Path file) {
    Matcher matcher = NAME.matcher(file.getFileName().toString());
    return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
  }
}
