package dev.rankwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Valid declarations compile with the real javac, the processor and the runtime on the class
 * path, and generate exactly their golden sources.
 */
class GoodDeclarationsTest {

  static Stream<Arguments> declarations() {
    return Stream.of(
        Arguments.of("InterfaceTargets", List.of("test.InterfaceTargets_Adapter")),
        Arguments.of("Outer", List.of("test.Outer_Foo_Adapter")),
        Arguments.of("TwoFields", List.of("test.TwoFields_Adapter")),
        Arguments.of("IdentityMixer", List.of("test.IdentityMixer_Adapter")),
        Arguments.of("AsymmetricRanks", List.of("test.AsymmetricRanks_Adapter")),
        Arguments.of("ExpertsRouter", List.of("test.ExpertsRouter_Adapter")),
        Arguments.of("PerTaskLora", List.of("test.PerTaskLora_Adapter")),
        Arguments.of("TokenRouted", List.of("test.TokenRouted_Adapter")),
        Arguments.of("ExpertFields", List.of("test.ExpertFields_Adapter")),
        Arguments.of("PrivateNested", List.of("test.PrivateNested_Hidden_Config_Adapter")));
  }

  static Compilation compile(String name) {
    return javac()
        .withProcessors(new RankwiseProcessor())
        .compile(JavaFileObjects.forResource("good/" + name + ".java"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("declarations")
  void generatesItsGoldenSources(String source, List<String> generated) {
    Compilation compilation = compile(source);
    assertThat(compilation).succeededWithoutWarnings();
    for (String name : generated) {
      GoldenFiles.check(compilation, name);
    }
    assertEquals(generated.size(), compilation.generatedSourceFiles().size(),
        "generated files: " + compilation.generatedSourceFiles());
  }

  @Test
  void outputIsDeterministic() throws IOException {
    for (String source : List.of("TwoFields", "ExpertsRouter")) {
      List<JavaFileObject> first = compile(source).generatedSourceFiles();
      List<JavaFileObject> second = compile(source).generatedSourceFiles();
      assertEquals(first.size(), second.size());
      for (int i = 0; i < first.size(); i++) {
        assertEquals(first.get(i).getCharContent(true).toString(),
            second.get(i).getCharContent(true).toString());
      }
    }
  }

  @Test
  void severalDeclarationsInOneCompilationAllGenerate() {
    Compilation compilation = javac()
        .withProcessors(new RankwiseProcessor())
        .compile(
            JavaFileObjects.forResource("good/InterfaceTargets.java"),
            JavaFileObjects.forResource("good/TwoFields.java"),
            JavaFileObjects.forResource("bad/LoraRankZero.java"),
            JavaFileObjects.forSourceLines("test.UsesGenerated",
                "package test;",
                "class UsesGenerated {",
                "  Object first = InterfaceTargets_Adapter.SPEC;",
                "  Object second = TwoFields_Adapter.SPEC;",
                "}"));
    // The one error is the bad type's: both good types generated, or UsesGenerated would not compile.
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining("@Lora rankA (0) must be at least 1");
  }
}
