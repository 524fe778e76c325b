package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the atomic writer asks of the disk, seen through its seam ({@link AtomicFiles.Disk}): the
 * temporary file is forced before the rename, the folder after it, and every folder the write
 * created is forced into its parent; a folder that cannot be forced is an error, not a silence.
 * Removing any of these forces makes a test here fail.
 */
class AtomicFilesTest {

  @TempDir Path root;

  /** Records each call as "force FILE", "move FROM -> TO" or "force-dir DIR", then does it. */
  private static class Recording implements AtomicFiles.Disk {
    final List<String> calls = new ArrayList<>();

    @Override
    public void force(Path file, FileChannel channel) throws IOException {
      calls.add("force " + file.getFileName());
      AtomicFiles.REAL.force(file, channel);
    }

    @Override
    public void forceDirectory(Path directory, FileChannel channel) throws IOException {
      calls.add("force-dir " + directory);
      AtomicFiles.REAL.forceDirectory(directory, channel);
    }

    @Override
    public void move(Path source, Path target) throws IOException {
      calls.add("move " + source.getFileName() + " -> " + target.getFileName());
      AtomicFiles.REAL.move(source, target);
    }
  }

  @AfterEach
  void realDisk() {
    AtomicFiles.disk = AtomicFiles.REAL;
  }

  @Test
  void theFileIsForcedBeforeTheRenameAndTheFolderAfterIt() throws IOException {
    Path target = root.resolve("a.json");
    Recording recording = new Recording();
    AtomicFiles.disk = recording;

    AtomicFiles.write(target, "{}");

    List<String> calls = recording.calls;
    assertEquals(3, calls.size(), calls.toString());
    assertTrue(calls.get(0).startsWith("force .a.json.") && calls.get(0).endsWith(".tmp"), calls.toString());
    assertTrue(calls.get(1).startsWith("move .a.json.") && calls.get(1).endsWith(" -> a.json"), calls.toString());
    assertEquals("force-dir " + root.toAbsolutePath(), calls.get(2));
    assertArrayEquals("{}".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
  }

  @Test
  void everyFolderTheWriteCreatesIsForcedIntoItsParent() throws IOException {
    Path target = root.resolve("x/y/z/a.json");
    Recording recording = new Recording();
    AtomicFiles.disk = recording;

    AtomicFiles.write(target, "{}");

    List<String> forcedFolders = recording.calls.stream().filter(call -> call.startsWith("force-dir ")).toList();
    for (Path folder : List.of(root, root.resolve("x"), root.resolve("x/y"), root.resolve("x/y/z"))) {
      assertTrue(forcedFolders.contains("force-dir " + folder.toAbsolutePath()),
          folder + " holds a new entry and must be forced: " + recording.calls);
    }
    int lastForce = recording.calls.lastIndexOf("force-dir " + root.resolve("x/y/z").toAbsolutePath());
    assertTrue(lastForce > recording.calls.indexOf(recording.calls.stream()
        .filter(call -> call.startsWith("move ")).findFirst().orElseThrow()), "the file's folder after the rename");
  }

  @Test
  void aFolderThatCannotBeForcedIsAnErrorNamingIt() throws IOException {
    Path target = root.resolve("a.json");
    AtomicFiles.disk = new Recording() {
      @Override
      public void forceDirectory(Path directory, FileChannel channel) throws IOException {
        throw new IOException("Input/output error");
      }
    };

    IOException error = assertThrows(IOException.class, () -> AtomicFiles.write(target, "{}"));

    assertTrue(error.getMessage().contains(root.toAbsolutePath().toString())
        && error.getMessage().contains("Input/output error"), error.getMessage());
    try (Stream<Path> files = Files.list(root)) {
      assertTrue(files.noneMatch(AtomicFiles::isTemporary), "no temporary file is left");
    }
  }

  @Test
  void aFileThatCannotBeForcedIsNeverRenamedOverTheTarget() throws IOException {
    Path target = root.resolve("a.json");
    AtomicFiles.write(target, "old");
    AtomicFiles.disk = new Recording() {
      @Override
      public void force(Path file, FileChannel channel) throws IOException {
        throw new IOException("No space left on device");
      }
    };

    FileSystemException error = assertThrows(FileSystemException.class, () -> AtomicFiles.write(target, "new"));

    assertEquals(target.toAbsolutePath().toString(), error.getFile(), "a full disk's error names the file");
    assertTrue(error.getMessage().contains("No space left on device"), error.getMessage());
    assertEquals("old", Files.readString(target));
    try (Stream<Path> files = Files.list(root)) {
      assertEquals(1, files.count(), "no temporary file is left");
    }
  }
}
