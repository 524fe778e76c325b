package dev.rankwise.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes files so that a reader, a crash or a kill never leaves half a file under the target's
 * name: the bytes go to a hidden temporary file beside the target ({@code .<name>.<random>.tmp}),
 * are forced to disk, and the file is renamed over the target; the directory is then forced too,
 * so the rename itself survives a power loss, as is every folder the write creates. A failed force
 * is an error, never ignored. A temporary file left by a killed writer never has
 * the target's name, and {@link #isTemporary} tells it apart.
 */
public final class AtomicFiles {

  private static final String SUFFIX = ".tmp";
  /** {@code .<target>.<random>.tmp}: {@link Files#createTempFile} puts an unsigned decimal number between. */
  private static final Pattern TEMPORARY = Pattern.compile("\\.(.+)\\.\\d+\\.tmp");

  /** What the writer asks of the disk; a test replaces it to see each force and rename, or to fail one. */
  interface Disk {

    /** Forces a written file's bytes and metadata to disk. */
    void force(Path file, FileChannel channel) throws IOException;

    /** Forces a directory's entries to disk. */
    void forceDirectory(Path directory, FileChannel channel) throws IOException;

    /** Renames atomically, replacing the target. */
    void move(Path source, Path target) throws IOException;
  }

  /** The disk itself. */
  static final Disk REAL = new Disk() {
    @Override
    public void force(Path file, FileChannel channel) throws IOException {
      channel.force(true);
    }

    @Override
    public void forceDirectory(Path directory, FileChannel channel) throws IOException {
      channel.force(true);
    }

    @Override
    public void move(Path source, Path target) throws IOException {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  };

  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  /** The disk in use: {@link #REAL} except in tests. */
  static volatile Disk disk = REAL;

  private AtomicFiles() {}

  /**
   * Writes {@code bytes} to {@code target} atomically, creating its directory if needed (each
   * folder it creates is forced into its parent, so the path survives a power loss too).
   *
   * @throws IOException if writing, forcing or renaming fails, as a {@link FileSystemException}
   *     naming the file or folder; the target is then as it was, unless only forcing its folder after
   *     the rename failed (the message says so)
   */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path absolute = target.toAbsolutePath();
    try {
      writeOrThrow(absolute, bytes);
    } catch (FileSystemException e) {
      throw e;
    } catch (IOException e) {
      // A full disk or a device error comes without a path; the caller's message should name it.
      FileSystemException named = new FileSystemException(absolute.toString(), null,
          "cannot write: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
      named.initCause(e);
      throw named;
    }
  }

  private static void writeOrThrow(Path absolute, byte[] bytes) throws IOException {
    Path directory = absolute.getParent();
    createDirectories(directory);
    Path temporary = Files.createTempFile(directory, "." + absolute.getFileName() + ".", SUFFIX);
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        disk.force(temporary, channel);
      }
      disk.move(temporary, absolute);
      forceDirectory(directory);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /** Writes {@code text} as UTF-8 to {@code target} atomically. */
  public static void write(Path target, String text) throws IOException {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether {@code file} is a temporary file of this class (left behind if a writer was killed). */
  public static boolean isTemporary(Path file) {
    return temporaryTarget(file).isPresent();
  }

  /**
   * The name of the file a temporary file of this class was to become, {@code <name>} of {@code
   * .<name>.<random>.tmp}; empty for any other file (a user's {@code .notes.tmp}, say).
   */
  public static Optional<String> temporaryTarget(Path file) {
    Matcher matcher = TEMPORARY.matcher(file.getFileName().toString());
    return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
  }

  /** Renames {@code source} to {@code target} atomically (through the seam, so tests see it). */
  static void move(Path source, Path target) throws IOException {
    disk.move(source, target);
  }

  /**
   * Creates {@code directory} and any missing parents, forcing each new folder's entry into its
   * parent: a rename into a folder that itself was never forced to disk can vanish with it.
   */
  public static void createDirectories(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    Deque<Path> missing = new ArrayDeque<>();
    for (Path folder = directory; folder != null && !Files.exists(folder); folder = folder.getParent()) {
      missing.push(folder);
    }
    Files.createDirectories(directory);
    for (Path created : missing) { // outermost first: each parent then holds its new entry
      if (created.getParent() != null) {
        forceDirectory(created.getParent());
      }
    }
  }

  /**
   * Forces a directory's entries (a rename, a new file or folder) to disk. Windows cannot open a
   * directory for this (NTFS journals its entries itself), so there it does nothing; elsewhere a
   * failure is an error, since the entry may then not survive a power loss.
   */
  static void forceDirectory(Path directory) throws IOException {
    if (WINDOWS) {
      return;
    }
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      disk.forceDirectory(directory, channel);
    } catch (UnsupportedOperationException e) {
      // A file system provider without directory channels (not the default one); nothing to force.
    } catch (IOException e) {
      FileSystemException failed = new FileSystemException(directory.toString(), null, "cannot force the folder"
          + " to disk (" + e.getMessage() + "); what was just written into it may not survive a power loss");
      failed.initCause(e);
      throw failed;
    }
  }
}
