using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace CallbackGen;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM for a whole program. A fit handles them on its own while it runs
/// (<see cref="Learner.HandleSignals"/>): the first signal ends the fit after the current batch, a
/// second exits at once with code 130. A program calls <see cref="HandleForProgram"/> at its start so
/// that this holds at every moment: a signal outside a fit (loading data, the LR finder, writing
/// results) also exits at once with 130, and so does a second signal after an interrupted fit ended.
/// An exit makes the terminal's cursor visible and ends the process without running native
/// libraries' exit handlers, which other threads may still be using (docs/runs.md).
/// </summary>
/// <example><code>
/// using IDisposable signals = ConsoleSignals.HandleForProgram();
/// learn.FitOneCycle(5, 1e-3);
/// return learn.Interrupted ? 130 : 0;
/// </code></example>
public static partial class ConsoleSignals
{
    /// <summary>The exit code of a program that a signal ended: 128 + SIGINT, as shells report it.</summary>
    public const int InterruptedExitCode = 130;

    private static readonly Lock Gate = new();
    private static readonly List<Learner> Fitting = [];
    private static PosixSignalRegistration[]? registrations;
    private static int programScopes;
    private static bool firstSignalSeen;

    /// <summary>
    /// Handles Ctrl-C and SIGTERM for the program until the returned object is disposed: during a fit
    /// as <see cref="Learner.HandleSignals"/> says; at any other moment by exiting at once with
    /// <see cref="InterruptedExitCode"/>. Does nothing on platforms without POSIX signals.
    /// </summary>
    /// <returns>The registration; dispose it to return to the default handling.</returns>
    public static IDisposable HandleForProgram()
    {
        if (!Supported)
        {
            return NoScope.Instance;
        }

        lock (Gate)
        {
            programScopes++;
            Register();
        }

        return new ProgramScope();
    }

    /// <summary>True where the process can handle POSIX signals (not in browsers or on mobile systems).</summary>
    internal static bool Supported => !(OperatingSystem.IsBrowser() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS() || OperatingSystem.IsAndroid());

    /// <summary>Handles signals for <paramref name="learn"/>'s fit until the result is disposed.</summary>
    internal static IDisposable EnterFit(Learner learn)
    {
        lock (Gate)
        {
            // A new fit starts afresh: its first signal stops it rather than exiting.
            firstSignalSeen = false;
            Fitting.Add(learn);
            Register();
        }

        return new FitScope(learn);
    }

    /// <summary>
    /// Leaves the process now with <paramref name="exitCode"/>, after making the cursor visible and
    /// saying why on the standard error. On Unix through <c>_exit</c>: <see cref="Environment.Exit(int)"/>
    /// would run libtorch's static destructors while the training thread is inside libtorch (a SIGSEGV).
    /// </summary>
    internal static void ExitNow(string message, int exitCode = InterruptedExitCode)
    {
        try
        {
            if (!Console.IsOutputRedirected)
            {
                Console.Out.Write(Learner.ShowCursor);
            }

            Console.Out.Flush();
            Console.Error.WriteLine(message);
            Console.Error.Flush();
        }
        catch (IOException)
        {
            // A closed terminal or pipe: exit all the same.
        }

        if (OperatingSystem.IsWindows())
        {
            Environment.Exit(exitCode);
        }

        Native.Exit(exitCode);
    }

    private static void Register()
    {
        registrations ??=
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    // Called with the gate held: the default handling returns when nothing needs ours, except after a
    // first signal, whose second must still exit with 130 while the program finishes its work.
    private static void UnregisterIfUnused()
    {
        if (programScopes > 0 || Fitting.Count > 0 || firstSignalSeen || registrations is null)
        {
            return;
        }

        foreach (PosixSignalRegistration r in registrations)
        {
            r.Dispose();
        }

        registrations = null;
    }

    private static void Handle(PosixSignalContext context)
    {
        string name = context.Signal == PosixSignal.SIGINT ? "Ctrl-C (SIGINT)" : "SIGTERM";
        Learner[] fitting;
        bool second;
        lock (Gate)
        {
            second = firstSignalSeen;
            firstSignalSeen = true;
            fitting = [.. Fitting];
            if (!second && fitting.Length == 0 && programScopes == 0)
            {
                // Registered only for a moment (a fit just ended): the default action applies.
                return;
            }
        }

        context.Cancel = true;
        if (second)
        {
            ExitNow($"{name} again: exiting without finishing the batch.");
            return;
        }

        if (fitting.Length == 0)
        {
            ExitNow($"{name}: exiting (no fit was running).");
            return;
        }

        foreach (Learner learn in fitting)
        {
            learn.Interrupt($"Interrupted by {name}; press Ctrl-C again to quit at once");
        }
    }

    private sealed class FitScope(Learner learn) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            lock (Gate)
            {
                if (disposed)
                {
                    return;
                }

                disposed = true;
                Fitting.Remove(learn);
                UnregisterIfUnused();
            }
        }
    }

    private sealed class ProgramScope : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            lock (Gate)
            {
                if (disposed)
                {
                    return;
                }

                disposed = true;
                programScopes--;
                UnregisterIfUnused();
            }
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();

        public void Dispose()
        {
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "_exit")]
        [DoesNotReturn]
        internal static partial void Exit(int status);
    }
}
