package dev.rankwise.runtime.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of one run's checkpoints, {@code checkpoint-<step>.safetensors} with the step zero-padded
 * to 8 digits: each written atomically ({@link AtomicFiles}), the oldest removed beyond the
 * newest {@code keep} valid ones, and the newest one that reads and checks back picked for a resume.
 * A file whose name only looks like a checkpoint's (a step out of range, extra leading zeros) is
 * never read, counted or removed, only reported. Temporary files of a writer that was killed never
 * carry a checkpoint's name; those of this run's checkpoints are removed on a later write, and no
 * other (docs/DESIGN.md §5).
 */
public final class CheckpointDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointDirectory.class);

  /** A name that looks like a checkpoint's; only {@link #name(int)}'s own are taken for one. */
  private static final Pattern LOOKS_LIKE = Pattern.compile("checkpoint-(.*)\\.safetensors");
  private static final String ODD = "not a checkpoint name this rankwise writes (checkpoint-<step>.safetensors,"
      + " the step from 1 to " + Integer.MAX_VALUE + ", zero-padded to 8 digits); it is left alone";

  private final Path directory;
  private final int keep;
  private final Set<Path> reported = new HashSet<>();
  /** Files this folder wrote, or read and checked, as they were then: not read again while unchanged. */
  private final Set<Seen> verified = new HashSet<>();

  /** A file as it was when it was written or checked: a change of size or time means another file. */
  private record Seen(Path file, long size, long modified) {
    static Seen of(Path file) throws IOException {
      return new Seen(file, Files.size(file), Files.getLastModifiedTime(file).toMillis());
    }
  }

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

  /** The folder's checkpoint files, oldest step first, and the files that only look like one. */
  private record Listing(List<Path> checkpoints, List<Path> odd) {}

  /**
   * Writes a checkpoint atomically, then keeps the newest {@code keep} valid checkpoints up to it
   * (it included) and removes the temporary files a killed writer of this run left (docs/DESIGN.md
   * §5). Only checkpoints that read and check back count towards {@code keep}: an unreadable one is
   * left in place for the user to inspect until it falls behind {@code keep} valid ones. The
   * checkpoint just written is never removed, nor is any of a later step (a resumed run writes steps
   * below the unreadable newest checkpoints it skipped). Files with odd names are logged once.
   *
   * @return the checkpoint's file
   */
  public Path write(Checkpoint checkpoint) throws IOException {
    Path file = directory.resolve(name(checkpoint.step()));
    AtomicFiles.write(file, CheckpointFile.encode(checkpoint));
    verified.add(Seen.of(file));
    Listing listing = list();
    for (Path odd : listing.odd()) {
      if (reported.add(odd)) {
        LOG.warn("ignoring {}: {}", odd, ODD);
      }
    }
    prune(listing.checkpoints(), checkpoint.step());
    removeStaleTemporaryFiles(checkpoint.step());
    return file;
  }

  /**
   * Removes the checkpoints of steps before {@code written} beyond the newest {@code keep - 1}
   * valid ones; reads only those it keeps and has not written or checked itself, so a run's writes
   * read nothing after its first (the kill tests rely on writes being mostly writing).
   */
  private void prune(List<Path> checkpoints, int written) throws IOException {
    List<Path> earlier = checkpoints.stream().filter(file -> step(file) < written).toList();
    int valid = 1;
    for (int i = earlier.size() - 1; i >= 0; i--) {
      Path file = earlier.get(i);
      if (valid >= keep) {
        Files.deleteIfExists(file);
        verified.removeIf(seen -> seen.file().equals(file));
        continue;
      }
      try {
        if (!verified.contains(Seen.of(file))) {
          load(file);
          verified.add(Seen.of(file));
        }
        valid++;
      } catch (AdapterFileException e) {
        LOG.warn("not counting an unreadable checkpoint towards the {} to keep (left in place): {}",
            keep, e.getMessage());
      }
    }
  }

  /**
   * Removes the temporary files of checkpoints up to step {@code written}, which a writer of this run
   * killed mid-write left behind: the run has since written that far, so none of them can still
   * become a checkpoint. Any other file is left alone, a user's or another writer's temporary file
   * included.
   */
  private void removeStaleTemporaryFiles(int written) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      for (Path file : entries.toList()) {
        Optional<String> target = AtomicFiles.temporaryTarget(file);
        if (target.isPresent()) {
          int step = step(target.get());
          if (step > 0 && step <= written) {
            Files.deleteIfExists(file);
          }
        }
      }
    }
  }

  /** The checkpoint files, oldest step first (none if the folder does not exist); odd names are left out. */
  public List<Path> files() throws IOException {
    return list().checkpoints();
  }

  private Listing list() throws IOException {
    if (!Files.isDirectory(directory)) {
      return new Listing(List.of(), List.of());
    }
    List<Path> checkpoints = new ArrayList<>();
    List<Path> odd = new ArrayList<>();
    try (Stream<Path> entries = Files.list(directory)) {
      for (Path file : entries.sorted().toList()) {
        String name = file.getFileName().toString();
        if (step(name) > 0) {
          checkpoints.add(file);
        } else if (LOOKS_LIKE.matcher(name).matches()) {
          odd.add(file);
        }
      }
    }
    checkpoints.sort(Comparator.comparingInt(CheckpointDirectory::step));
    return new Listing(checkpoints, odd);
  }

  /**
   * The newest checkpoint that reads and checks back; each newer one that does not, and each file
   * with an odd name, is reported to {@code skipped} with the reason, and left in place for the user
   * to inspect.
   */
  public Optional<Loaded> newestValid(Consumer<String> skipped) throws IOException {
    Listing listing = list();
    for (Path odd : listing.odd()) {
      skipped.accept("skipping " + odd + ": " + ODD);
    }
    List<Path> files = listing.checkpoints();
    for (int i = files.size() - 1; i >= 0; i--) {
      try {
        Loaded loaded = new Loaded(files.get(i), load(files.get(i)));
        verified.add(Seen.of(loaded.file()));
        return Optional.of(loaded);
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

  /** The file name of the checkpoint of {@code step}. */
  private static String name(int step) {
    return String.format("checkpoint-%08d.safetensors", step);
  }

  private static int step(Path file) {
    return step(file.getFileName().toString());
  }

  /** The step of a checkpoint's file name, or 0 if it is not a name {@link #name(int)} gives. */
  private static int step(String name) {
    Matcher matcher = LOOKS_LIKE.matcher(name);
    String digits = matcher.matches() ? matcher.group(1) : "";
    if (digits.length() < 8 || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    long step = Long.parseLong(digits);
    return step >= 1 && step <= Integer.MAX_VALUE && name((int) step).equals(name) ? (int) step : 0;
  }
}
