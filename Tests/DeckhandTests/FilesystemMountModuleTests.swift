import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// filesystem and mount decide from recorded probe output, without a host.
final class FilesystemMountModuleTests: XCTestCase {
    // MARK: filesystem

    func testAnEmptyVolumeIsFormattedOnce() throws {
        let module = try makeModule(FilesystemModule.self, ["dev": "/dev/nvme1n1", "fstype": "ext4"])
        let plan = try module.plan(recordedOutput("found\n"), ModuleContext(diffMode: true))
        XCTAssertTrue(plan.result.changed)
        XCTAssertEqual(commandLines(plan), ["mkfs.ext4 -F /dev/nvme1n1"])
        XCTAssertEqual(plan.result.diffs.first?.after, "fstype: ext4\n")
        XCTAssertFalse(try module.plan(recordedOutput("found\nTYPE=ext4\n"), ModuleContext()).result.changed)
    }

    func testAVolumeHoldingAnotherFileSystemIsNeverReformattedWithoutForce() throws {
        let module = try makeModule(FilesystemModule.self, ["dev": "/dev/xvdf", "fstype": "ext4"])
        let plan = try module.plan(recordedOutput("found\nUUID=1\nTYPE=xfs\n"), ModuleContext())
        XCTAssertTrue(plan.result.failed)
        XCTAssertTrue(plan.actions.isEmpty)
        XCTAssertEqual(plan.result.msg, "'/dev/xvdf' is already used as xfs, use force=true to overwrite")
        let forced = try makeModule(FilesystemModule.self, ["dev": "/dev/xvdf", "fstype": "xfs", "force": true, "opts": "-L data"])
        XCTAssertEqual(commandLines(try forced.plan(recordedOutput("found\nTYPE=ext4\n"), ModuleContext())), ["mkfs.xfs -f -L data /dev/xvdf"])
    }

    func testAMissingDeviceFailsAndAbsentWipes() throws {
        let module = try makeModule(FilesystemModule.self, ["dev": "/dev/sdz", "fstype": "ext4"])
        XCTAssertEqual(try module.plan(recordedOutput("missing\n"), ModuleContext()).result.msg, "Device /dev/sdz not found.")
        let wipe = try makeModule(FilesystemModule.self, ["dev": "/dev/sdz", "state": "absent"])
        XCTAssertEqual(commandLines(try wipe.plan(recordedOutput("found\nTYPE=ext4\n"), ModuleContext())), ["wipefs -a /dev/sdz"])
        XCTAssertFalse(try wipe.plan(recordedOutput("found\n"), ModuleContext()).result.changed)
        XCTAssertThrowsError(try makeModule(FilesystemModule.self, ["dev": "/dev/sdz"]))
        let partitioned = try module.plan(recordedOutput("found\nPTUUID=9\nPTTYPE=gpt\n"), ModuleContext())
        XCTAssertEqual(partitioned.result.msg, "'/dev/sdz' holds a gpt partition table: name a partition, or use force=true to overwrite")
    }

    func testTheProbeTellsAMissingDeviceFromAnEmptyOne() async throws {
        let file = NSTemporaryDirectory() + "deckhand-fs-\(UUID().uuidString)"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data(count: 4096)))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let module = try makeModule(FilesystemModule.self, ["dev": file, "fstype": "ext4"])
        let empty = try await LocalConnection().run(try XCTUnwrap(try module.probe(ModuleContext())))
        XCTAssertEqual(FilesystemModule.currentType(empty), "")
        let missing = try makeModule(FilesystemModule.self, ["dev": file + ".gone", "fstype": "ext4"])
        let gone = try await LocalConnection().run(try XCTUnwrap(try missing.probe(ModuleContext())))
        XCTAssertNil(FilesystemModule.currentType(gone))
    }

    // MARK: mount

    private let fstab = "# /etc/fstab\nUUID=abc / ext4 errors=remount-ro 0 1\n"

    func testMountedAddsTheLineAndMountsWithTheMountPointMade() throws {
        let module = try makeModule(MountModule.self, ["path": "/srv/docker", "src": "/dev/nvme1n1", "fstype": "ext4",
                                                 "opts": "noatime", "state": "mounted", "fstab": "/tmp/fstab"])
        let plan = try module.plan(recordedOutput(fstab + MountModule.marker + "\n"), ModuleContext(diffMode: true))
        XCTAssertTrue(plan.result.changed)
        guard case .put(let write)? = plan.actions.first?.kind else { return XCTFail("fstab not written") }
        XCTAssertEqual(write.path, "/tmp/fstab")
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), fstab + "/dev/nvme1n1 /srv/docker ext4 noatime 0 0\n")
        XCTAssertEqual(commandLines(plan), ["mkdir -p /srv/docker && mount -t ext4 -o noatime /dev/nvme1n1 /srv/docker"])
        XCTAssertEqual(plan.result.diffs.map(\.beforeHeader), ["/tmp/fstab", "/srv/docker"])

        let done = fstab + "/dev/nvme1n1 /srv/docker ext4 noatime 0 0\n" + MountModule.marker + "\n/dev/nvme1n1 ext4\n"
        XCTAssertFalse(try module.plan(recordedOutput(done), ModuleContext()).result.changed)
    }

    func testAChangedLineOfAMountedFileSystemIsReplacedAndRemounted() throws {
        let module = try makeModule(MountModule.self, ["path": "/srv/docker", "src": "/dev/nvme1n1", "fstype": "ext4",
                                                 "opts": "noatime,nodev", "state": "mounted"])
        let before = fstab + "/dev/nvme1n1 /srv/docker ext4 noatime 0 0\n"
        let plan = try module.plan(recordedOutput(before + MountModule.marker + "\n/dev/nvme1n1 ext4\n"), ModuleContext())
        guard case .put(let write)? = plan.actions.first?.kind else { return XCTFail("fstab not written") }
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), fstab + "/dev/nvme1n1 /srv/docker ext4 noatime,nodev 0 0\n")
        XCTAssertEqual(commandLines(plan), ["mount -o remount,noatime,nodev /srv/docker"])
    }

    func testUnmountedKeepsFstabAndAbsentRemovesTheLine() throws {
        let line = "/dev/nvme1n1 /srv/my\\040data ext4 defaults 0 0\n"
        let mounted = fstab + line + MountModule.marker + "\n/dev/nvme1n1 ext4\n"
        let unmount = try makeModule(MountModule.self, ["path": "/srv/my data", "state": "unmounted"])
        let plan = try unmount.plan(recordedOutput(mounted), ModuleContext())
        XCTAssertEqual(commandLines(plan), ["umount '/srv/my data'"])
        XCTAssertEqual(plan.actions.count, 1, "fstab kept")
        XCTAssertFalse(try unmount.plan(recordedOutput(fstab + line + MountModule.marker + "\n"), ModuleContext()).result.changed)

        let absent = try makeModule(MountModule.self, ["path": "/srv/my data", "state": "absent"])
        let removal = try absent.plan(recordedOutput(mounted), ModuleContext())
        guard case .put(let write)? = removal.actions.first?.kind else { return XCTFail("fstab not written") }
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), fstab)
        XCTAssertEqual(commandLines(removal).first, "umount '/srv/my data'")
        XCTAssertFalse(try absent.plan(recordedOutput(fstab + MountModule.marker + "\n"), ModuleContext()).result.changed)
    }

    func testPresentWritesOnlyFstabAndRemountedAlwaysRemounts() throws {
        let present = try makeModule(MountModule.self, ["path": "/mnt/x", "src": "LABEL=x", "fstype": "xfs", "state": "present", "boot": false])
        let plan = try present.plan(recordedOutput(MountModule.marker + "\n"), ModuleContext())
        XCTAssertEqual(plan.actions.count, 1)
        guard case .put(let write)? = plan.actions.first?.kind else { return XCTFail("fstab not written") }
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), "LABEL=x /mnt/x xfs noauto 0 0\n")
        let remount = try makeModule(MountModule.self, ["path": "/mnt/x", "state": "remounted"])
        XCTAssertEqual(commandLines(try remount.plan(recordedOutput(MountModule.marker + "\nLABEL=x xfs\n"), ModuleContext())), ["mount -o remount /mnt/x"])
        XCTAssertTrue(try remount.plan(recordedOutput(MountModule.marker + "\n"), ModuleContext()).result.failed)
        XCTAssertThrowsError(try makeModule(MountModule.self, ["path": "/mnt/x", "state": "mounted"]), "mounted needs src and fstype")
    }

    func testCollectionNamesReachTheModules() {
        XCTAssertEqual(ModuleRegistry.spec(named: "community.general.filesystem")?.name, "filesystem")
        XCTAssertEqual(ModuleRegistry.spec(named: "ansible.posix.mount")?.name, "mount")
        XCTAssertEqual(ModuleRegistry.spec(named: "community.docker.docker_container")?.name, "docker_container")
        XCTAssertEqual(ModuleRegistry.spec(named: "community.docker.docker_image")?.name, "docker_image")
        XCTAssertEqual(ModuleRegistry.spec(named: "community.docker.docker_login")?.name, "docker_login")
    }
}
