/// A firmware image unpacked into memory: nothing is ever written to disk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Image {
    /// The image as the caller named it (the report's input location).
    pub name: String,
    /// Every entry found, in the order found.
    pub entries: Vec<Entry>,
    /// Regions that could not be unpacked, and limits that were reached.
    pub notes: Vec<Note>,
    /// The layer paths (e.g. `["uImage@0x0", "squashfs@0x40"]`) of every
    /// filesystem or archive that was read.
    pub filesystems: Vec<Vec<String>>,
    /// Names container headers give their payload (a uImage's `ih_name`,
    /// e.g. `MIPS OpenWrt Linux-4.14.95`, a FIT image's `description`), with the layer they belong to.
    pub headers: Vec<ImageHeader>,
    /// The top level of the image, start to end: the ranges known
    /// containers cover and what the rest looks like by entropy.
    pub regions: Vec<Region>,
    /// Every container and stream unpacked, in the order found, with how
    /// sure the identification is.
    pub layers: Vec<Layer>,
    /// Signatures carried by FIT images (U-Boot verified boot).
    pub boot_signatures: Vec<BootSignature>,
    /// Public keys found in U-Boot control device trees
    /// (`/signature/key-*`): what the boot loader verifies FITs with.
    pub boot_keys: Vec<BootKey>,
}

/// A signature node of a FIT image: over one image's data
/// (`/images/kernel-1/signature-1`) or over a configuration
/// (`/configurations/conf-1/signature-1`: the tree regions its
/// `hashed-nodes` name, as U-Boot hashes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootSignature {
    /// The FIT's layer path.
    pub layer: Vec<String>,
    /// The signature node's path in the FIT.
    pub node: String,
    /// `sha256,rsa2048` and the like.
    pub algo: String,
    pub key_hint: Option<String>,
    /// `pkcs-1.5` (U-Boot's default) or `pss`.
    pub padding: String,
    /// Where the signature value sits in the FIT.
    pub offset: u64,
    pub value: Vec<u8>,
    /// The digest of what the signature covers, or why it could not be
    /// computed.
    pub digest: Result<Vec<u8>, String>,
}

/// An RSA public key in a U-Boot control device tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootKey {
    /// The device tree's layer path.
    pub layer: Vec<String>,
    /// `/signature/key-dev`.
    pub node: String,
    /// The key's name (`dev`), matched against a signature's key-name-hint.
    pub name: String,
    pub algo: String,
    /// `conf` or `image` when U-Boot refuses to boot what this key does
    /// not verify; `None` when the key is optional.
    pub required: Option<String>,
    /// Where the key's node starts in the device tree.
    pub offset: u64,
    /// Big-endian modulus.
    pub modulus: Vec<u8>,
    pub exponent: u64,
}

/// One container or stream the walk unpacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Its layer path (`["uImage@0x0", "squashfs@0x40"]`).
    pub path: Vec<String>,
    /// What it is, for a person (`squashfs filesystem`, `xz stream`).
    pub format: &'static str,
    /// The bytes it was seen to cover in its parent (0 when unknown, e.g.
    /// a stream whose end the decoder does not report).
    pub covered: u64,
    pub confidence: Confidence,
}

/// How an identification was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// The dry run proved the structure before anything was trusted
    /// (header fields, sizes and checksums hold together; a stream decoded
    /// to its end).
    Proven,
    /// The magic number matched but the dry run did not pass (or a stream
    /// ended early): read anyway for what it holds, with a note saying
    /// what is wrong.
    MagicOnly,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Proven => "structure-proven",
            Confidence::MagicOnly => "magic-only",
        }
    }
}

/// A byte range of the image's top level (see [`crate::entropy`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub start: u64,
    pub len: u64,
    pub kind: RegionKind,
    /// Shannon entropy in bits per byte, a length-weighted mean over the
    /// region's 4 KiB blocks; 0 for containers (their bytes are read, not
    /// estimated) and padding.
    pub entropy: f64,
}

/// What a [`Region`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionKind {
    /// A container iotcheck unpacked (its layer name, e.g. `squashfs@0x40`).
    Container(String),
    /// No known format, entropy at or above
    /// [`crate::entropy::HIGH_ENTROPY`]: encrypted or compressed data.
    HighEntropy,
    /// One byte value repeated (erased flash, zero fill).
    Padding,
    /// No known format, lower entropy: code, tables, text.
    Data,
}

/// The name a container header gives its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHeader {
    /// The container's layer path (e.g. `["uImage@0x0"]`).
    pub path: Vec<String>,
    pub name: String,
    /// Where the name sits in that container (32 in a uImage header; the
    /// `description` property's value in a FIT).
    pub offset: u64,
}

/// One entry of an unpacked image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Layers from the image down to the entry, the last element being the
    /// path inside its filesystem (`/etc/shadow`) or a stream's own name.
    pub path: Vec<String>,
    pub kind: EntryKind,
}

/// What an entry is. Links and device nodes are recorded, never followed or
/// created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    File(Vec<u8>),
    /// A regular file whose contents were not read (a limit was reached).
    FileSkipped {
        size: u64,
    },
    Symlink {
        target: String,
    },
    /// A hard link to another member of the same archive (tar), recorded
    /// with the target as the archive names it.
    Hardlink {
        target: String,
    },
    Dir,
    CharDevice {
        device: u32,
    },
    BlockDevice {
        device: u32,
    },
    Fifo,
    Socket,
}

/// A region that could not be unpacked, or a limit that was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The layer the problem is in (e.g. `["uImage@0x0", "squashfs@0x40"]`).
    pub path: Vec<String>,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path.join(" ▸ "), self.message)
        }
    }
}

impl Entry {
    /// The path inside the entry's filesystem (the last path element).
    pub fn inner_path(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }

    /// The file's contents, if it is a regular file that was read.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            EntryKind::File(b) => Some(b),
            _ => None,
        }
    }
}

impl Image {
    /// Regular files that were read, with their nested paths.
    pub fn files(&self) -> impl Iterator<Item = (&[String], &[u8])> {
        self.entries
            .iter()
            .filter_map(|e| e.bytes().map(|b| (e.path.as_slice(), b)))
    }

    /// The first entry whose path inside its filesystem is `inner`
    /// (e.g. `/etc/shadow`).
    pub fn find(&self, inner: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.inner_path() == inner)
    }

    /// Whether a root filesystem (one with an `/etc` directory) was unpacked:
    /// the checks decide `pass` only then.
    pub fn has_root_filesystem(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.inner_path() == "/etc" && e.kind == EntryKind::Dir)
    }
}
