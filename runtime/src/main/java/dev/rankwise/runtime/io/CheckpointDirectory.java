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

/**
 * A folder of one run's checkpoints, {@code checkpoint-<step>.safetensors}: each written
 * atomically ({@link AtomicFiles}), the oldest removed beyond the newest {@code keep}, and the
 * newest one that reads and checks back picked for a resume. Temporary files of a writer that was
 * killed never carry a checkpoint's name; they are removed on the next write.
 */
public final class CheckpointDirectory {

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
   * Writes a checkpoint atomically, then removes all but the newest {@code keep} and any stale
   * temporary file.
   *
   * @return the checkpoint's file
   */
  public Path write(Checkpoint checkpoint) throws IOException {
    Path file = directory.resolve(String.format("checkpoint-%08d.safetensors", checkpoint.step()));
    AtomicFiles.write(file, CheckpointFile.encode(checkpoint));
    List<Path> files = files();
    for (int i = 0; i < files.size() - keep; i++) {
      Files.deleteIfExists(files.get(i));
    }
    try (Stream<Path> entries = Files.list(directory)) {
      for (Path stale : entries.filter(AtomicFiles::isTemporary).toList()) {
        Files.deleteIfExists(stale);
      }
    }
    return file;
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
        Checkpoint checkpoint = CheckpointFile.read(files.get(i));
        if (checkpoint.step() != step(files.get(i))) {
          throw new AdapterFileException(files.get(i), "holds step " + checkpoint.step()
              + ", not the step of its name (was it renamed?)");
        }
        return Optional.of(new Loaded(files.get(i), checkpoint));
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

  /** The step in a checkpoint file's name (the name matches {@link #NAME}). */
  private static long step(Path file) {
    Matcher matcher = NAME.matcher(file.getFileName().toString());
    return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
  }
}
