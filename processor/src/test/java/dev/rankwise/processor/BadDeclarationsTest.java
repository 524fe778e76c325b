package dev.rankwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.rankwise.annotations.Lora;
import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One source per error message: each fails with exactly one error, that message, in that file, on
 * that line.
 */
class BadDeclarationsTest {

  /** A bad source, the line of its error, the ErrorMessages method and the expected message. */
  record Case(String source, int line, String method, String message) {
    @Override
    public String toString() {
      return source;
    }
  }

  private static final String TYPE = "test.";

  static List<Case> cases() {
    return List.of(
        new Case("LoraRankZero", 6, "atLeastOne", ErrorMessages.atLeastOne("Lora", "rankA", 0)),
        new Case("ExpertCountZero", 6, "atLeastOne", ErrorMessages.atLeastOne("RankExperts", "count", 0)),
        new Case("IdentityUnequal", 6, "identityNeedsEqualRanks", ErrorMessages.identityNeedsEqualRanks(4, 8)),
        new Case("NegativeAlpha", 6, "finiteNonNegative",
            ErrorMessages.finiteNonNegative("Lora", "alpha", -1.0, "0 means min(rankA, rankB)")),
        new Case("NegativeBalance", 6, "finiteNonNegative",
            ErrorMessages.finiteNonNegative("RankExperts", "balance", -0.5, "0 turns load balancing off")),
        new Case("DropoutOne", 6, "dropoutRange", ErrorMessages.dropoutRange("Lora", 1.0)),
        new Case("TopKAboveCount", 6, "topKAboveCount", ErrorMessages.topKAboveCount(4, 2)),
        new Case("PerTaskNoRouter", 6, "perTaskNeedsRouter", ErrorMessages.perTaskNeedsRouter(TYPE + "PerTaskNoRouter")),
        new Case("AdaptiveNoExperts", 6, "needsRankExperts",
            ErrorMessages.needsRankExperts("adaptive", TYPE + "AdaptiveNoExperts")),
        new Case("RouterNoAdapter", 6, "routerNeedsAdapter", ErrorMessages.routerNeedsAdapter(TYPE + "RouterNoAdapter")),
        new Case("NoTasks", 6, "noTasks", ErrorMessages.noTasks()),
        new Case("DuplicateTask", 6, "duplicateTask", ErrorMessages.duplicateTask("a")),
        new Case("TaskCase", 6, "tasksDifferOnlyInCase",
            ErrorMessages.tasksDifferOnlyInCase("Spam", "spam")),
        new Case("TaskNotIdentifier", 6, "taskNotIdentifier", ErrorMessages.taskNotIdentifier("1a")),
        new Case("TaskKeyword", 6, "taskIsKeyword", ErrorMessages.taskIsKeyword("class")),
        new Case("BothAdapters", 6, "bothAdapters", ErrorMessages.bothAdapters()),
        new Case("NoTargets", 6, "targetsRequired", ErrorMessages.targetsRequired("Lora")),
        new Case("MalformedTarget", 6, "malformedTarget", ErrorMessages.malformedTarget("Lora", "a..b")),
        new Case("DuplicateTarget", 6, "duplicateTarget", ErrorMessages.duplicateTarget("Lora", "a.*")),
        new Case("OnEnum", 6, "wrongKind", ErrorMessages.wrongKind("Lora", "an enum")),
        new Case("OnRecord", 6, "wrongKind", ErrorMessages.wrongKind("Lora", "a record")),
        new Case("FieldTargets", 13, "fieldTargets", ErrorMessages.fieldTargets("Lora")),
        new Case("FieldNotLinear", 13, "fieldNotLinear",
            ErrorMessages.fieldNotLinear("Lora", "FieldNotLinear.query", "java.lang.String")),
        new Case("FieldLinearSubtype", 13, "fieldLinearSubtype",
            ErrorMessages.fieldLinearSubtype("Lora", "FieldLinearSubtype.query", "test.FieldLinearSubtype.MyLinear")),
        new Case("FieldPrivate", 13, "fieldModifier",
            ErrorMessages.fieldModifier("Lora", "FieldPrivate.query", "private")),
        new Case("FieldStatic", 13, "fieldModifier",
            ErrorMessages.fieldModifier("Lora", "FieldStatic.query", "static")),
        new Case("FieldFinal", 13, "fieldModifier",
            ErrorMessages.fieldModifier("Lora", "FieldFinal.query", "final")),
        new Case("FieldOwnerNotBlock", 13, "fieldOwnerNotBlock",
            ErrorMessages.fieldOwnerNotBlock("Lora", "FieldOwnerNotBlock.query", TYPE + "FieldOwnerNotBlock")),
        new Case("FieldInInterface", 8, "fieldOwnerNotBlock",
            ErrorMessages.fieldOwnerNotBlock("Lora", "FieldInInterface.query", TYPE + "FieldInInterface")),
        new Case("FieldInRecord", 8, "fieldOwnerNotBlock",
            ErrorMessages.fieldOwnerNotBlock("Lora", "FieldInRecord.query", TYPE + "FieldInRecord")),
        new Case("FieldInEnum", 10, "fieldOwnerNotBlock",
            ErrorMessages.fieldOwnerNotBlock("Lora", "FieldInEnum.query", TYPE + "FieldInEnum")),
        new Case("FieldOwnerPrivate", 13, "fieldOwnerPrivate",
            ErrorMessages.fieldOwnerPrivate("Lora", "Inner.query", "Inner")),
        new Case("AdapterNameTaken", 6, "processingFailed", "rankwise could not process test.AdapterNameTaken: "),
        new Case("NameClash", 8, "generatedNameClash",
            ErrorMessages.generatedNameClash("test.NameClash_Foo_Adapter", "test.NameClash_Foo")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void failsWithExactlyItsOneError(Case c) {
    JavaFileObject source = JavaFileObjects.forResource("bad/" + c.source() + ".java");
    Compilation compilation = javac().withProcessors(new RankwiseProcessor()).compile(source);

    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(c.message()).inFile(source).onLine(c.line());
  }

  @Test
  void withoutDjlOnTheClassPathAFieldDeclarationSaysSo() throws URISyntaxException {
    File annotations = new File(Lora.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    JavaFileObject source = JavaFileObjects.forResource("bad/NoDjl.java");
    Compilation compilation = javac()
        .withProcessors(new RankwiseProcessor())
        .withClasspath(List.of(annotations))
        .compile(source);
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(ErrorMessages.djlMissing("Lora")).inFile(source).onLine(6);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"Broken", "BrokenTarget"})
  void aBrokenSourceGivesOnlyTheCompilersErrorNotAProcessorCrash(String name) {
    Compilation compilation = javac()
        .withProcessors(new RankwiseProcessor())
        .compile(JavaFileObjects.forResource("bad/" + name + ".java"));
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorContaining("cannot find symbol");
    // No rule message about the placeholder javac leaves (auto-common may add that it deferred the type).
    for (Diagnostic<? extends JavaFileObject> error : compilation.errors()) {
      assertTrue(!error.getMessage(null).startsWith("@"), error.getMessage(null));
    }
    for (Diagnostic<? extends JavaFileObject> error : compilation.errors()) {
      String message = error.getMessage(null);
      assertTrue(!message.contains("Exception") && !message.contains("\tat "), message);
    }
  }

  @Test
  void aSettingWithoutEffectIsAWarningAndTheDeclarationStillGenerates() {
    JavaFileObject source = JavaFileObjects.forSourceLines("test.BalanceWithRouter",
        "package test;",
        "import dev.rankwise.annotations.*;",
        "@RankExperts(count = 4, topK = 2, balance = 0.05, targets = \"x\") @TaskRouter(tasks = \"a\")",
        "interface BalanceWithRouter {}");
    Compilation compilation = javac().withProcessors(new RankwiseProcessor()).compile(source);
    assertThat(compilation).succeeded();
    assertThat(compilation).hadWarningContaining(ErrorMessages.balanceUnusedWithTaskRouter(0.05))
        .inFile(source).onLine(3);
    assertThat(compilation).generatedSourceFile("test.BalanceWithRouter_Adapter");
  }

  @Test
  void everyMessageHasABadSource() {
    Set<String> covered = cases().stream().map(Case::method).collect(Collectors.toSet());
    covered.add("djlMissing");
    covered.add("balanceUnusedWithTaskRouter");
    Set<String> messages = Arrays.stream(ErrorMessages.class.getDeclaredMethods())
        .filter(method -> Modifier.isPublic(method.getModifiers()) && Modifier.isStatic(method.getModifiers()))
        .map(Method::getName)
        .collect(Collectors.toSet());
    assertEquals(messages, covered);
    assertEquals(cases().size(), Stream.of(cases().toArray()).distinct().count());
  }
}
