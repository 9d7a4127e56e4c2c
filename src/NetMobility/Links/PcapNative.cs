using System.Runtime.InteropServices;

namespace NetMobility.Links;

/// <summary>
/// The libpcap calls a <see cref="PcapLink"/> needs, from Debian's libpcap0.8 (libpcap.so.0.8, the 1.x library under
/// its historical soname); see pcap(3PCAP). A missing library surfaces as <see cref="DllNotFoundException"/> on the
/// first call. Structure offsets are those of LP64 Linux.
/// </summary>
internal static unsafe partial class PcapNative
{
    public const string Library = "libpcap.so.0.8";
    public const string Package = "libpcap0.8";
    public const int ErrorBufferSize = 256;
    public const int DltEn10Mb = 1;
    /// <summary>pcap_direction_t PCAP_D_IN: frames the interface received, not those this host sent.</summary>
    public const int DirectionIn = 1;
    public const uint NetmaskUnknown = 0xffffffff;

    // pcap/pcap.h status codes
    public const int Error = -1, ErrorNoSuchDevice = -5, ErrorPermDenied = -8, ErrorIfaceNotUp = -9, ErrorPromiscPermDenied = -11;

    /// <summary>struct pcap_pkthdr: a struct timeval (16 bytes), then caplen and len.</summary>
    public const int CaptureLengthOffset = 16, WireLengthOffset = 20;

    /// <summary>struct bpf_program: an instruction count and a pointer to the instructions.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BpfProgram
    {
        public uint Length;
        public void* Instructions;
    }

    [LibraryImport(Library, EntryPoint = "pcap_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Create(string source, byte* errorBuffer);

    [LibraryImport(Library, EntryPoint = "pcap_open_dead")]
    public static partial nint OpenDead(int linkType, int snapLength);

    [LibraryImport(Library, EntryPoint = "pcap_set_snaplen")]
    public static partial int SetSnapLength(nint pcap, int length);

    [LibraryImport(Library, EntryPoint = "pcap_set_promisc")]
    public static partial int SetPromiscuous(nint pcap, int on);

    [LibraryImport(Library, EntryPoint = "pcap_set_immediate_mode")]
    public static partial int SetImmediateMode(nint pcap, int on);

    [LibraryImport(Library, EntryPoint = "pcap_activate")]
    public static partial int Activate(nint pcap);

    [LibraryImport(Library, EntryPoint = "pcap_datalink")]
    public static partial int DataLink(nint pcap);

    [LibraryImport(Library, EntryPoint = "pcap_setdirection")]
    public static partial int SetDirection(nint pcap, int direction);

    [LibraryImport(Library, EntryPoint = "pcap_setnonblock")]
    public static partial int SetNonBlock(nint pcap, int on, byte* errorBuffer);

    [LibraryImport(Library, EntryPoint = "pcap_get_selectable_fd")]
    public static partial int GetSelectableFd(nint pcap);

    [LibraryImport(Library, EntryPoint = "pcap_compile", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Compile(nint pcap, BpfProgram* program, string filter, int optimize, uint netmask);

    [LibraryImport(Library, EntryPoint = "pcap_setfilter")]
    public static partial int SetFilter(nint pcap, BpfProgram* program);

    [LibraryImport(Library, EntryPoint = "pcap_freecode")]
    public static partial void FreeCode(BpfProgram* program);

    /// <summary>1: a frame (header and data valid until the next call); 0: none ready; negative: an error.</summary>
    [LibraryImport(Library, EntryPoint = "pcap_next_ex")]
    public static partial int NextEx(nint pcap, byte** header, byte** data);

    [LibraryImport(Library, EntryPoint = "pcap_inject", SetLastError = true)]
    public static partial int Inject(nint pcap, byte* frame, nuint length);

    [LibraryImport(Library, EntryPoint = "pcap_geterr")]
    public static partial byte* GetError(nint pcap);

    [LibraryImport(Library, EntryPoint = "pcap_statustostr")]
    public static partial byte* StatusToString(int status);

    [LibraryImport(Library, EntryPoint = "pcap_close")]
    public static partial void Close(nint pcap);

    public static string Text(byte* text) => Marshal.PtrToStringUTF8((nint)text) ?? "";

    /// <summary>Why a filter does not compile (for Ethernet frames), or null when it does; throws <see cref="DllNotFoundException"/> without libpcap.</summary>
    public static string? CheckFilter(string filter)
    {
        nint pcap = OpenDead(DltEn10Mb, ushort.MaxValue);
        if (pcap == 0) return "libpcap could not make a handle to compile the filter with";
        try
        {
            BpfProgram program;
            if (Compile(pcap, &program, filter, 1, NetmaskUnknown) < 0) return Text(GetError(pcap));
            FreeCode(&program);
            return null;
        }
        finally
        {
            Close(pcap);
        }
    }
}
