from mlgit.cli import main

main()
