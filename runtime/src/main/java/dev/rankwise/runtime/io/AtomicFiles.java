package dev.rankwise.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes files so that a reader, a crash or a kill never leaves half a file under the target's
 * name: the bytes go to a hidden temporary file beside the target ({@code .<name>.<random>.tmp}),
 * are forced to disk, and the file is renamed over the target; the directory is then forced too,
 * so the rename itself survives a power loss. A temporary file left by a killed writer never has
 * the target's name, and {@link #isTemporary} tells it apart.
 */
public final class AtomicFiles {

  private static final String SUFFIX = ".tmp";
  /** {@code .<target>.<random>.tmp}: {@link Files#createTempFile} puts an unsigned decimal number between. */
  private static final Pattern TEMPORARY = Pattern.compile("\\.(.+)\\.\\d+\\.tmp");

  private AtomicFiles() {}

  /** Writes {@code bytes} to {@code target} atomically, creating its directory if needed. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path directory = absolute.getParent();
    Files.createDirectories(directory);
    Path temporary = Files.createTempFile(directory, "." + absolute.getFileName() + ".", SUFFIX);
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

  /** Forces a directory's entries to disk where the platform allows it (Linux does; Windows does not). */
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every file system can open or force a directory; the rename is still atomic there.
    }
  }
}
