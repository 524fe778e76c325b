package dev.rankwise.runtime;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

/** Commands that start child JVMs with this JVM's DJL engine settings. */
public final class ChildJvm {

  private static final List<String> ENGINE_PROPERTIES = List.of("ai.djl.offline",
      "ai.djl.default_engine", "ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads");

  private ChildJvm() {}

  /** A java command running {@code main} on {@code classPath}, with this JVM's engine settings. */
  public static List<String> command(String classPath, String main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String property : ENGINE_PROPERTIES) {
      Optional.ofNullable(System.getProperty(property)).ifPresent(value -> command.add("-D" + property + "=" + value));
    }
    command.add("-cp");
    command.add(classPath);
    command.add(main);
    command.addAll(List.of(args));
    return command;
  }

  /**
   * This JVM's class path without rankwise: its jars less those holding a class of {@code
   * dev.rankwise}, and no class directories (the build's own classes are directories).
   */
  public static String withoutRankwise() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .filter(Files::isRegularFile)
        .filter(jar -> !holdsRankwise(jar))
        .map(Path::toString)
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static boolean holdsRankwise(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.stream().anyMatch(entry -> entry.getName().startsWith("dev/rankwise/"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read class path entry " + jar, e);
    }
  }
}
