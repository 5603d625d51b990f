from mlgit.cli.main import main

main()
