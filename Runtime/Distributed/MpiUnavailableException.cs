namespace CallbackGen.Distributed;

/// <summary>
/// Distributed training was asked for but no usable MPI library could be loaded. The message says
/// what was tried and what to install (<c>apt-get install openmpi-bin</c> on Debian and Ubuntu).
/// </summary>
public sealed class MpiUnavailableException : Exception
{
    /// <summary>The package that provides a supported MPI on Debian and Ubuntu.</summary>
    public const string InstallHint = "install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin; Fedora: dnf install openmpi) and launch with mpirun -np N";

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public MpiUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The cause.</param>
    public MpiUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
